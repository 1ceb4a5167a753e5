"""The dashboard's server: the Streamlit app of :mod:`exitwave.dashboard.app` behind
:class:`~exitwave.dashboard.guard.HostGuard`.

``exitwave dashboard`` runs ``streamlit run`` on *this* file. Streamlit finds the ``st.App``
below and serves it with uvicorn, applying our middleware to every request before its own routes
— the page, the static files, the health check and the session's WebSocket alike — so a foreign
``Host`` header (DNS rebinding) is refused by the server itself, not only by the page script.
The app's arguments (after ``--``) reach both this module and the page in ``sys.argv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from exitwave.dashboard.guard import HostGuard, listen_address

app = st.App(Path(__file__).with_name("app.py"),
             middleware=[Middleware(HostGuard, listen=listen_address(sys.argv[1:]))])
