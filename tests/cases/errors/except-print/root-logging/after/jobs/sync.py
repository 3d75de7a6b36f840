import logging as log

import requests

API = "https://api.example.com"


def sync_customers(page: int) -> list[dict]:
    try:
        response = requests.get(f"{API}/customers", params={"page": page}, timeout=5)
        response.raise_for_status()
    except requests.HTTPError as e:
        log.exception("Unexpected error")
        return []
    except requests.RequestException as e:
        log.exception("page %d failed", page)
        log.critical("sync aborted", exc_info=True)
        return []
    return response.json()


def sync_invoices(page: int) -> list[dict]:
    try:
        return requests.get(f"{API}/invoices", params={"page": page}, timeout=5).json()
    except ValueError as e:
        log.error("bad JSON on page %s: %s", page, e, exc_info=True)
        log.error("status was %s", e.args)
        return []
