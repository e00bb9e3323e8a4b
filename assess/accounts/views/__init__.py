"""The accounts pages: signing in and out (``auth``) and the office's user administration
(``admin``)."""
