"""What every list endpoint of the API has beyond its data: an ETag, conditional GET, and
the same list as CSV or .xlsx (``?format=csv|xlsx``).

``listing`` wraps the view below ``bp.route`` and above flask-smorest's decorators, so it
sees the response exactly as documented and serialised, and documents what it adds (the
``If-None-Match`` parameter, the ``ETag`` header, 304, the CSV and .xlsx bodies).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from flask import Response, request
from marshmallow import Schema

from assess.api import exports

IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of a copy the client holds: 304 when the list is unchanged.",
}
_ETAG_HEADER = {
    "description": "A strong validator of this representation (the list as this person sees "
    "it, this page, this format).",
    "schema": {"type": "string"},
}


def _doc() -> dict:
    return {
        "responses": {
            200: {
                "headers": {"ETag": _ETAG_HEADER},
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    exports.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                },
            },
            304: {"description": "Not modified: the copy named by If-None-Match is current."},
        }
    }


def _item_schema(page_schema: type[Schema]) -> Schema:
    return page_schema().fields["items"].inner.schema


def listing(bp, rule: str, page_schema: type[Schema], name: str) -> Callable:
    """Register a list view on ``bp`` at ``rule``. ``page_schema`` is the view's response
    schema (its ``items`` are the rows of an export); ``name`` names the export's file."""
    item_schema = _item_schema(page_schema)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            response = view(*args, **kwargs)
            if response.status_code != 200:
                return response
            return _represented(response, item_schema, name)

        return bp.route(rule, parameters=[IF_NONE_MATCH])(bp.doc(**_doc())(wrapper))

    return decorate


def _represented(response: Response, item_schema: Schema, name: str) -> Response:
    """The JSON ``response`` in the format asked for, with its ETag; 304 when the client's
    copy is this one. The ETag is of the JSON and the format (a workbook's bytes vary with
    the second it was zipped), and the person's token is in ``Vary``."""
    wanted = request.args.get("format", "json")
    etag = hashlib.sha256(wanted.encode() + b"\0" + response.get_data()).hexdigest()[:40]
    if request.if_none_match.contains(etag):
        not_modified = Response(status=304)
        not_modified.set_etag(etag)
        not_modified.vary.add("Authorization")
        return not_modified
    if wanted == "csv":
        items = response.get_json()["items"]
        response = Response(exports.as_csv(item_schema, items), content_type=exports.CSV_TYPE)
        _attach(response, f"{name}.csv")
    elif wanted == "xlsx":
        items = response.get_json()["items"]
        response = Response(
            exports.as_xlsx(item_schema, items, name), content_type=exports.XLSX_TYPE
        )
        _attach(response, f"{name}.xlsx")
    response.set_etag(etag)
    response.vary.add("Authorization")
    return response


def _attach(response: Response, filename: str) -> None:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
