"""A tiny function app for the embedded host's tests: one function of each kind it runs."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import azure.functions as func

from shared.composition import get_app
from shared.ports.message_bus import OutgoingMessage

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _record(file_name: str, line: str) -> None:
    path = Path(os.environ["PRIVACY_DATA_DIR"]) / file_name
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@app.route(route="sample/hello/{name}", methods=["GET"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    body = {"name": req.route_params["name"], "q": req.params.get("q")}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="sample/send", methods=["POST"])
def send(req: func.HttpRequest) -> func.HttpResponse:
    services = get_app()
    message = OutgoingMessage(body=req.get_body(), message_id=str(uuid.uuid4()))
    services.bus.send(services.settings.ingest_queue, [message])
    return func.HttpResponse(status_code=202)


@app.service_bus_queue_trigger(
    arg_name="msg", queue_name="%PRIVACY_INGEST_QUEUE%", connection="SERVICEBUS"
)
def process(msg: func.ServiceBusMessage) -> None:
    body = msg.get_body().decode()
    if body == "poison":
        raise ValueError("cannot process this message")
    _record("processed.txt", body)


@app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *")
def yearly(timer: func.TimerRequest) -> None:
    _record("timer.txt", f"past_due={timer.past_due}")
