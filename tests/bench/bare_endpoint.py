"""The bare baseline of the saturation benchmark: parse the JSON body, answer 202.

What any Python HTTP service costs on this machine (uvicorn, uvloop, httptools, Starlette):
the embedded host's figures are read against it, measured in the same run.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def collect(request: Request) -> Response:
    body = json.loads(await request.body())
    return JSONResponse({"accepted": len(body["events"]), "duplicates": 0}, status_code=202)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/api/v1/collect", collect, methods=["POST"]),
                        Route("/health", health)])
