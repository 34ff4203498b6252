"""Traces and metrics through the OpenTelemetry API, free of the domain and of any exporter.

``core`` holds the instruments (names agreed in the stamp's alert rules) and ``span``;
``proxies`` trace every store, bus and key operation; ``exporters`` chooses where telemetry
goes (``PRIVACY_OTEL_EXPORTER``: none, console, otlp, azure), importing the Azure distro only
when asked. With ``none`` (the default, and the tests') every call is a no-op of the API.
"""
