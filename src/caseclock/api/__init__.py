"""The REST API: thin FastAPI routers over the services, schemas apart from the ORM models."""
