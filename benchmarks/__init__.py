"""Reproducible speed comparisons of fastcore against FastAPI and Starlette.

``python -m benchmarks inprocess`` drives each framework's ASGI app directly (no network, no
server) with the same synthetic requests, one subprocess per framework and scenario.  See
``benchmarks/README.md`` for the scenarios and how to read the numbers.
"""
