"""Error pages in the user's language; never a traceback in front of a user."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求有误"), _("提交的内容无法处理，请返回检查后重试。")),
        401: (_("需要登录"), _("请先登录后再操作。")),
        403: (_("无权访问"), _("您的账号没有执行此操作的权限。")),
        404: (_("页面不存在"), _("您要找的页面不存在，或您无权查看。")),
        405: (_("操作不允许"), _("此页面不支持该操作。")),
        413: (_("文件过大"), _("上传的文件超过了大小上限。")),
        429: (_("请求过于频繁"), _("请稍后再试。")),
        500: (_("系统错误"), _("系统出现错误，已记录。请稍后重试或联系领导小组办公室。")),
    }


def render_error(code: int, detail: str | None = None):
    title, message = _titles().get(code, (_("出错了"), ""))
    return render_template(
        "web/error.html", code=code, title=title, message=detail or message
    ), code


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重新提交。"))

    @app.errorhandler(HTTPException)
    def _http(exc):
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
