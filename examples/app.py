"""The example service: one route, served by gunicorn (see the Dockerfile's CMD)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "hello from the layerlint example\n"
