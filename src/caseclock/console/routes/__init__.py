"""The console's routes, one module a feature; each is thin: a view module builds what its
template shows, and every change goes through the services."""
