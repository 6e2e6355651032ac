"""Request and response bodies of the API, apart from the ORM models."""
