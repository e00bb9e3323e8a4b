"""Error pages in the user's language; never a traceback in front of a user.

An error page must render when the database is down or the disk is full, which is when it
is needed most: it never loads the signed-in user, the navigation or anything else from the
database (``bare`` in ``base.html``), and if even that fails a fixed Chinese page is sent.
A database that cannot be reached is a 503 and a full disk a 507, both with a page that
says so; the next request tries again, so the app recovers by itself when the database is
back or space is freed. A file store (S3) that cannot be reached is a 503 of its own
(文件存储暂时无法访问): the database is fine, so that page is the full one.

Under ``/api/v1`` the same errors are RFC 9457 problem details (``application/problem+json``)
with the same Chinese title and message instead of a page.
"""

from __future__ import annotations

import errno
import sqlite3

import peewee
from flask import g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from assess.evidence.storage import StoreUnavailable
from assess.web import request_log
from assess.web.security import api_request

DATABASE_UNAVAILABLE = 503
STORE_UNAVAILABLE = 503
DISK_FULL = 507

# Errors of the engine or the connection, not of the statement: a refused connection, a
# server gone mid-request, a database file that cannot be opened or read. A constraint,
# data or programming error is a defect (500), not an outage.
_OUTAGE_ERRORS = (peewee.OperationalError, peewee.InterfaceError)
_NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_NO_SPACE_TEXT = ("database or disk is full", "no space left on device", "disk quota exceeded")
_PG_DISK_FULL = "53100"

# Sent when the error template itself cannot be rendered: no template, no translation.
_LAST_RESORT = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
    "<title>{code} · 督查考核评分系统</title></head><body>"
    '<h1>{code} · {title}</h1><p>{message}</p>{reference}<p><a href="/">返回首页</a></p>'
    "</body></html>"
)


def _titles(_=_) -> dict[int, tuple[str, str]]:  # noqa: PLR0914
    return {
        400: (_("请求有误"), _("提交的内容无法处理，请返回检查后重试。")),
        401: (_("需要登录"), _("请先登录后再操作。")),
        403: (_("无权访问"), _("您的账号没有执行此操作的权限。")),
        404: (_("页面不存在"), _("您要找的页面不存在，或您无权查看。")),
        405: (_("操作不允许"), _("此页面不支持该操作。")),
        409: (_("当前不能这样操作"), _("记录当前的状态不允许这一操作。")),
        412: (_("记录已被修改"), _("您读取之后，该记录已被他人修改。请重新读取后再提交。")),
        413: (_("文件过大"), _("上传的文件超过了大小上限。")),
        422: (_("参数有误"), _("请求的参数不符合要求，请检查后重试。")),
        428: (
            _("缺少版本号"),
            _("修改前须先读取该记录，并在 If-Match 请求头中带上读取时的 ETag。"),
        ),
        429: (_("请求过于频繁"), _("请稍后再试。")),
        500: (_("系统错误"), _("系统出现错误，已记录。请稍后重试或联系领导小组办公室。")),
        DATABASE_UNAVAILABLE: (
            _("系统暂时无法使用"),
            _("数据库暂时无法连接，您的操作未保存。请稍后重试；如持续出现，请联系领导小组办公室。"),
        ),
        DISK_FULL: (
            _("磁盘空间不足"),
            _("服务器磁盘空间已满，您的操作未保存。请联系领导小组办公室清理空间后重试。"),
        ),
    }


def _causes(exc: BaseException):
    """``exc``, the driver error peewee wrapped in it, and what they were raised from."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo.extend([current.__cause__, current.__context__])
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return seen


def _is_disk_full(exc: BaseException) -> bool:
    for cause in _causes(exc):
        if isinstance(cause, OSError) and cause.errno in _NO_SPACE_ERRNOS:
            return True
        if getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if getattr(cause, "pgcode", None) == _PG_DISK_FULL:
            return True
        if isinstance(cause, (peewee.DatabaseError, sqlite3.Error, OSError)) and any(
            text in str(cause).lower() for text in _NO_SPACE_TEXT
        ):
            return True
    return False


def outage_code(exc: BaseException) -> int | None:
    """507 when ``exc`` comes from a full disk, 503 when the database cannot be reached or
    opened, None for any other error."""
    if _is_disk_full(exc):
        return DISK_FULL
    if isinstance(exc, _OUTAGE_ERRORS) or (
        # "file is not a database": SQLite's file is unreadable or damaged.
        type(exc) is peewee.DatabaseError
    ):
        return DATABASE_UNAVAILABLE
    return None


def render_error(
    code: int, detail: str | None = None, *, bare: bool = False, title: str | None = None
):
    """The error page for ``code`` (``title`` and ``detail`` replacing its usual ones);
    ``bare`` leaves out everything that reads the database (the signed-in user, the menu,
    the user's language). Falls back to a bare page, then to a fixed one. An API request
    gets the problem document instead (``problem``)."""
    if api_request():
        return problem(code, detail, title=title)
    if not bare:
        try:
            return _render(code, detail, title, bare=False)
        except Exception:  # the full page needs the database: the bare one does not
            g.pop("_login_user", None)
    g.bare_page = True
    try:
        return _render(code, detail, title, bare=True)
    except Exception:
        usual_title, message = _titles_zh().get(code, _titles_zh()[500])
        request_id = request_log.current_id()
        reference = f"<p>请求编号：{escape(request_id)}</p>" if request_id else ""
        page = _LAST_RESORT.format(
            code=code,
            title=escape(title or usual_title),
            message=escape(detail or message),
            reference=reference,
        )
        return page, code, {"Content-Type": "text/html; charset=utf-8"}


def problem(code: int, detail: str | None = None, *, title: str | None = None, errors=None):
    """An RFC 9457 problem document for ``code``: the Chinese title and message of the
    error page (translated like it), the request id, and for invalid parameters the field
    errors (``errors``)."""
    try:
        usual_title, message = _titles().get(code, (_("出错了"), ""))
    except Exception:  # no translations without the database's locale: the message ids
        usual_title, message = _titles_zh().get(code, ("出错了", ""))
    body = {
        "type": "about:blank",
        "title": title or usual_title,
        "status": code,
        "detail": detail or message,
        "instance": request.path,
    }
    if request_log.current_id():
        body["request_id"] = request_log.current_id()
    if errors:
        body["errors"] = field_messages(errors)
    response = jsonify(body)
    response.status_code = code
    response.content_type = "application/problem+json"
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="assess"'
    return response


def field_messages(errors):
    """marshmallow's error tree with every field's messages as a list of text: a message
    that is a lazy translation is kept bare by marshmallow (it lists only ``str``)."""
    if isinstance(errors, dict):
        return {str(key): field_messages(value) for key, value in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [str(message) for message in errors]
    return [str(errors)]


def _render(code: int, detail: str | None, title: str | None, *, bare: bool):
    usual_title, message = _titles().get(code, (_("出错了"), ""))
    page = render_template(
        "web/error.html",
        code=code,
        title=title or usual_title,
        message=detail or message,
        bare=bare,
        request_id=request_log.current_id(),
    )
    return page, code


def _titles_zh() -> dict[int, tuple[str, str]]:
    """The titles untranslated: the message ids are the Chinese text."""
    return _titles(lambda text: text)


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重新提交。"))

    @app.errorhandler(HTTPException)
    def _http(exc):
        if api_request():  # webargs puts the invalid fields in ``data``
            return problem(
                exc.code or 500, errors=(getattr(exc, "data", None) or {}).get("messages")
            )
        return render_error(exc.code or 500)

    @app.errorhandler(StoreUnavailable)
    def _store(exc):
        # The reason (the endpoint, botocore's error) is for the log, never for the page.
        app.logger.error(
            "file store unavailable on %s %s (request %s): %s",
            request.method,
            request.path,
            request_log.current_id(),
            exc,
        )
        return render_error(
            STORE_UNAVAILABLE,
            _("文件存储暂时无法访问，请稍后再试。如持续出现，请联系领导小组办公室。"),
            title=_("文件存储暂时无法访问"),
        )

    @app.errorhandler(Exception)
    def _unexpected(exc):
        code = outage_code(exc)
        if code is None:
            app.logger.exception(
                "unhandled error on %s %s (request %s)",
                request.method,
                request.path,
                request_log.current_id(),
            )
            return render_error(500)
        app.logger.error(
            "%s on %s %s (request %s): %s",
            "disk full" if code == DISK_FULL else "database unavailable",
            request.method,
            request.path,
            request_log.current_id(),
            exc,
        )
        return render_error(code, bare=True)
