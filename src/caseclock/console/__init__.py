"""The web console: server-rendered pages over the same services as the API.

``install(app)`` mounts the pages at ``/`` and the packaged static files at ``/static``; nothing
is fetched from elsewhere at run time.
"""
