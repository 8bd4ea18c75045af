"""Who may use the control API: with ``serve --control-token`` only a request carrying that token
(``x-image-skill-mock-control-token``, compared in constant time), without one only a loopback client.
Anything else is ``MOCK_CONTROL_FORBIDDEN``."""

from __future__ import annotations

import hmac
import ipaddress

from image_skill_api.constants import MOCK_CONTROL_TOKEN_HEADER
from image_skill_api.registry import ErrorCode
from image_skill_mock.errors import ApiError
from image_skill_mock.http.call import Call


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check(call: Call) -> None:
    """Raise ``MOCK_CONTROL_FORBIDDEN`` unless ``call`` may use the control API."""
    token = call.settings.control_token
    if token is not None:
        supplied = call.request.headers.get(MOCK_CONTROL_TOKEN_HEADER, "")
        if hmac.compare_digest(supplied.encode("utf-8", "replace"), token.encode()):
            return
        raise ApiError(
            ErrorCode.MOCK_CONTROL_FORBIDDEN,
            f"The control API needs this server's control token in {MOCK_CONTROL_TOKEN_HEADER}.",
        )
    client = call.request.client
    if client is None or not _loopback(client.host):
        raise ApiError(
            ErrorCode.MOCK_CONTROL_FORBIDDEN,
            "The control API answers loopback clients only (start the server with --control-token to"
            " reach it from elsewhere).",
        )
