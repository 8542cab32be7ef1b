"""A cap on the number of fields of URL-encoded forms, like the one Werkzeug applies to multipart forms.

Werkzeug's MAX_FORM_PARTS caps multipart/form-data only: an application/x-www-form-urlencoded body
of 700,000 short fields fits in MAX_CONTENT_LENGTH and would be parsed into a dict of 700,000 keys
on every such request. The fields are counted in the raw body, before any parsing.
"""
from __future__ import annotations

import io

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser


class TooManyFormFields(RequestEntityTooLarge):
    """413: a form with more fields than MAX_FORM_PARTS."""


class CappedFormDataParser(FormDataParser):
    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        body = stream.read()  # already limited to MAX_CONTENT_LENGTH by Werkzeug
        # parse_qsl splits on "&" only; counting separators over-counts empty fields, never under-counts.
        if self.max_form_parts is not None and body.count(b"&") + 1 > self.max_form_parts:
            raise TooManyFormFields()
        return super()._parse_urlencoded(io.BytesIO(body), mimetype, content_length, options)


class CappedFormRequest(Request):
    form_data_parser_class = CappedFormDataParser
