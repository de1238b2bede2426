"""Fuzz targets for the request path (issue 11): raw bytes into the server protocol, requests
into a routed app, and the memory both keep."""
