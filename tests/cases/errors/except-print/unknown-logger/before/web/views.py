from flask import Flask, current_app, jsonify

from web.log import logger

app = Flask(__name__)


class Importer:
    def __init__(self, logger) -> None:
        self.logger = logger

    def run(self, path: str) -> int:
        try:
            return load(path)
        except OSError as e:
            self.logger.error(f"import of {path!r} failed: {e}")
            return 0


@app.post("/import")
def import_file():
    try:
        count = Importer(current_app.logger).run("data.csv")
    except Exception as e:
        current_app.logger.error("Import crashed: %s", e)
        print(f"Import crashed: {e}")
        return jsonify(error="import failed"), 500
    return jsonify(count=count)


def load(path: str) -> int:
    with open(path) as handle:
        return sum(1 for _ in handle)
