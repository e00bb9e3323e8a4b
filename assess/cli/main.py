"""The ``assess`` command: database, demo data, accounts, the server and offline scoring.

Commands that need the app build it with ``create_app()`` and so honour DATABASE_URL,
ASSESS_INSTANCE and SECRET_KEY. The offline commands (score, indicators, rank-nominations)
need neither the app nor a database.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps

import click
import peewee

from assess.core.enums import RESULT_CYCLE_STATES, Role
from scoring.i18n import _


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def with_app(func: Callable | None = None, *, any_schema: bool = False) -> Callable:
    """Run the command inside an app context with an open database connection.

    The command is refused when the database schema is not the one this code expects,
    unless ``any_schema`` (the commands that create, migrate, load or restore a database).
    """
    if func is None:
        return lambda f: with_app(f, any_schema=any_schema)

    @wraps(func)
    def wrapper(*args, **kwargs):
        from assess import create_app
        from assess.core.db import DatabaseURLError, database
        from assess.core.secret_key import ConfigurationError

        try:
            app = create_app()
        except DatabaseURLError as exc:
            _fail(_("DATABASE_URL 无法识别：%(err)s", err=exc))
        except ConfigurationError as exc:
            _fail(str(exc))
        with app.app_context():
            try:
                database.connect(reuse_if_open=True)
            except peewee.OperationalError as exc:
                _fail(_("无法连接数据库：%(err)s", err=str(exc).strip()))
            try:
                if not any_schema:
                    from assess.ops import migrations

                    problem = migrations.schema_problem()
                    if problem:
                        _fail(problem)
                return func(app, *args, **kwargs)
            except peewee.OperationalError as exc:
                _fail(_("数据库错误：%(err)s（是否已运行 assess init？）", err=str(exc).strip()))
            finally:
                database.close()

    return wrapper


@click.group(help=_("督查考核评分系统命令行工具"))
def main() -> None:
    pass


@main.command(help=_("创建数据库或升级到最新结构"))
@with_app(any_schema=True)
def init(app) -> None:
    from assess.ops import migrations

    ran = migrations.upgrade()
    click.echo(
        _(
            "数据库已就绪（版本 %(v)s，本次应用 %(n)s 个迁移）",
            v=migrations.current_version(),
            n=len(ran),
        )
    )


@main.group(help=_("数据库结构迁移"))
def db() -> None:
    pass


@db.command("upgrade", help=_("应用尚未执行的迁移"))
@click.option("--to", "target", type=int, default=None, help=_("升级到的版本号（默认最新）"))
@with_app(any_schema=True)
def db_upgrade(app, target: int | None) -> None:
    from assess.ops import migrations

    try:
        applied = migrations.upgrade(target)
    except migrations.MigrationError as exc:
        _fail(_("升级失败：%(err)s", err=exc))
    for m in applied:
        click.echo(f"+ {m.version:04d} {m.name}")
    click.echo(_("当前版本：%(v)s", v=migrations.current_version()))


@db.command("downgrade", help=_("回退到指定版本"))
@click.option("--to", "target", type=int, required=True, help=_("回退到的版本号"))
@click.option("--force", is_flag=True, help=_("确认删除回退所丢弃的数据"))
@with_app(any_schema=True)
def db_downgrade(app, target: int, force: bool) -> None:
    from assess.ops import migrations

    try:
        undone = migrations.downgrade(target, force=force)
    except migrations.DataLossError as exc:
        _fail(str(exc))
    except migrations.MigrationError as exc:
        _fail(_("回退失败：%(err)s", err=exc))
    for m in undone:
        click.echo(f"- {m.version:04d} {m.name}")
    click.echo(_("当前版本：%(v)s", v=migrations.current_version()))


@main.command(help=_("载入演示数据（郑州市各县区、成员单位及各角色账号）"))
@click.option("--logins", is_flag=True, help=_("只显示演示账号，不载入数据"))
@click.option("--units-only", is_flag=True, help=_("只载入单位和账号，不载入考核周期和评选"))
@with_app(any_schema=True)
def demo(app, logins: bool, units_only: bool) -> None:
    from assess.demo import units as demo_data
    from assess.evidence.storage import EvidenceStore
    from assess.ops import migrations

    migrations.upgrade()
    if logins:
        rows = demo_data.demo_logins()
    else:
        try:
            rows = demo_data.load_demo(
                extensions=not units_only, store=EvidenceStore.from_config(app.config)
            )
        except demo_data.DemoAlreadyLoaded:
            _fail(_("数据库中已有单位，不再重复载入演示数据（用 assess demo --logins 查看账号）"))
    click.echo(_("演示账号（密码均为 %(p)s）：", p=demo_data.DEMO_PASSWORD))
    for row in rows:
        click.echo(f"  {row.username:<16} {row.role:<10} {row.unit}")


@main.group(help=_("用户账号管理"))
def user() -> None:
    pass


def _read_password(confirm: bool = True) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return click.prompt(_("密码"), hide_input=True, confirmation_prompt=confirm)


@user.command("add", help=_("新建用户；非终端时从标准输入读取密码"))
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--unit", "unit_code", default=None, help=_("所属单位编码（填报员必填）"))
@click.option("--display-name", default="", help=_("姓名"))
@click.option(
    "--scope", "scope_code", default=None, help=_("管辖范围的单位编码（本级办公室；全市的不填）")
)
@with_app
def user_add(
    app, name: str, role: str, unit_code: str | None, display_name: str, scope_code: str | None
) -> None:
    from assess.accounts import users
    from assess.units.models import Unit

    for code in (unit_code, scope_code):
        if code and Unit.by_code(code) is None:
            _fail(_("单位编码不存在：%(c)s", c=code))
    unit = Unit.by_code(unit_code) if unit_code else None
    scope = Unit.by_code(scope_code) if scope_code else None
    try:
        users.create_user(
            name, _read_password(), role, unit, display_name=display_name, scope_unit=scope
        )
    except users.AccountError as exc:
        _fail(str(exc))
    click.echo(_("已创建用户 %(name)s（%(role)s）", name=name, role=role))


def _get_user(name: str):
    from assess.accounts.models import User

    found = User.get_or_none(User.username == name)
    if found is None:
        _fail(_("用户不存在：%(name)s", name=name))
    return found


@user.command("passwd", help=_("重设用户密码；非终端时从标准输入读取密码"))
@click.argument("name")
@with_app
def user_passwd(app, name: str) -> None:
    from assess.accounts import users

    target = _get_user(name)
    try:
        users.set_password(target, _read_password(), actor=None)
    except users.AccountError as exc:
        _fail(str(exc))
    click.echo(_("已重设 %(name)s 的密码", name=name))


@user.command("disable", help=_("停用用户（保留其历史记录）"))
@click.argument("name")
@with_app
def user_disable(app, name: str) -> None:
    from assess.accounts import users

    users.disable_user(_get_user(name))
    click.echo(_("已停用用户 %(name)s", name=name))


@main.group(help=_("接口令牌（/api/v1）"))
def token() -> None:
    pass


@token.command("create", help=_("为用户创建接口令牌；令牌只显示这一次"))
@click.argument("name")
@click.option("--scope", type=click.Choice(["read", "write"]), default="read", show_default=True)
@click.option("--days", type=int, default=90, show_default=True, help=_("有效期（天）"))
@click.option("--label", default="cli", show_default=True, help=_("令牌名称"))
@with_app
def token_create(app, name: str, scope: str, days: int, label: str) -> None:
    from assess.accounts import tokens

    try:
        issued = tokens.create_token(_get_user(name), label, scope, days, actor=None)
    except tokens.TokenError as exc:
        _fail(str(exc))
    click.echo(issued.secret)


@main.group(help=_("审计日志"))
def audit() -> None:
    pass


@audit.command("verify", help=_("校验审计日志哈希链，发现篡改或删除时以非零状态退出"))
@click.option(
    "--at",
    "count",
    type=click.IntRange(min=0),
    default=None,
    help=_("同时显示第 N 条记录时的审计链指纹（报告所印“审计链指纹”后注明的条数）"),
)
@with_app
def audit_verify(app, count: int | None) -> None:
    from assess.core import audit as audit_log

    problems = audit_log.verify()
    for problem in problems:
        click.echo(problem.message, err=True)
    if problems:
        sys.exit(1)
    head = audit_log.head()
    click.echo(_("审计日志完整：共 %(n)s 条记录", n=head.count))
    if count is None:
        head_at = head
    else:
        head_at = audit_log.head_at(count)
        if head_at is None:
            _fail(_("审计日志只有 %(n)s 条记录，没有第 %(at)s 条", n=head.count, at=count))
    click.echo(
        _(
            "第 %(n)s 条记录时的审计链指纹：%(digits)s（完整：%(mac)s）",
            n=head_at.count,
            digits=head_at.fingerprint,
            mac=head_at.mac,
        )
    )


@main.command(help=_("启动 Web 服务器（gunicorn；--dev 为自动重载的开发服务器）"))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("监听地址"))
@click.option("--port", default=5000, show_default=True, type=int, help=_("监听端口"))
@click.option("--workers", type=int, default=None, help=_("工作进程数（默认 WEB_WORKERS）"))
@click.option("--threads", type=int, default=None, help=_("每个进程的线程数（默认 WEB_THREADS）"))
@click.option("--dev", is_flag=True, help=_("开发服务器：单进程，源代码改动后自动重启"))
def serve(host: str, port: int, workers: int | None, threads: int | None, dev: bool) -> None:
    from assess import create_app
    from assess.cli import server
    from assess.core.db import DatabaseURLError
    from assess.core.secret_key import ConfigurationError
    from assess.web.schema_guard import schema_problem_at_start

    try:
        app = create_app()
    except DatabaseURLError as exc:
        _fail(_("DATABASE_URL 无法识别：%(err)s", err=exc))
    except ConfigurationError as exc:
        _fail(str(exc))
    try:
        problem = schema_problem_at_start(app)
    except peewee.OperationalError as exc:
        _fail(_("无法连接数据库：%(err)s", err=str(exc).strip()))
    if problem:
        _fail(problem)
    if dev:
        server.run_development(app, host, port)
        return
    options = server.gunicorn_options(
        host,
        port,
        workers or int(app.config["WEB_WORKERS"]),
        threads or int(app.config["WEB_THREADS"]),
        int(app.config["WEB_TIMEOUT"]),
    )
    # Each worker builds its own app after the fork; this one only checked the schema.
    server.run_gunicorn(create_app, options)


# The modules that declare queue tasks: the worker imports them so that it knows every task.
TASK_MODULES = (
    "assess.reports.jobs",
    "assess.reports.retention",
    "assess.notifications.tasks",
    "assess.delivery.tasks",
)


@main.command(help=_("运行任务队列的处理进程（批量生成报告等后台任务）"))
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help=_("并行处理的进程数（默认取 QUEUE_WORKERS）"),
)
def worker(workers: int | None) -> None:
    import importlib
    import logging

    from assess import create_app
    from assess.core import queue
    from assess.core.db import DatabaseURLError
    from assess.core.secret_key import ConfigurationError

    try:
        app = create_app()
    except (DatabaseURLError, queue.QueueURLError) as exc:
        _fail(_("设置无法识别：%(err)s", err=exc))
    except ConfigurationError as exc:
        _fail(str(exc))
    for name in TASK_MODULES:
        importlib.import_module(name)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # WeasyPrint narrates every step of every document at INFO: a batch would bury the
    # worker's own lines (tasks started, done, failed).
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    queue.consumer(workers or int(app.config["QUEUE_WORKERS"])).run()


@main.command(help=_("发送截止提醒：每条提醒只发一次，可重复运行"))
@click.option(
    "--today",
    "today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help=_("按指定日期计算（年-月-日，默认今天）"),
)
@with_app
def remind(app, today) -> None:
    from assess.notifications.overdue import send_overdue_reminders
    from assess.notifications.reminders import send_reminders

    day = today.date() if today else None
    sent = send_reminders(day)
    click.echo(_("已发送截止提醒 %(n)s 条", n=sent))
    overdue = send_overdue_reminders(day)
    click.echo(_("已发送整改逾期提醒 %(n)s 条", n=overdue))


@main.command(help=_("发送到期的电子邮件和群机器人消息（没有运行 assess worker 时可由 cron 调用）"))
@with_app
def deliver(app) -> None:
    from assess.delivery.outbox import due, send

    results = [send(delivery_id, app.config) for delivery_id in due()]
    click.echo(
        _(
            "已发送 %(sent)s 条，失败 %(failed)s 条，待重试 %(pending)s 条",
            sent=results.count("sent"),
            failed=results.count("failed"),
            pending=results.count("pending"),
        )
    )


@main.command(help=_("生成督查报告 PDF：指定单位或全部单位"))
@click.option("--cycle", "cycle_ref", required=True, help=_("考核年度（或周期编号）"))
@click.option("--unit", "unit_code", default=None, help=_("单位编码"))
@click.option("--all", "all_units", is_flag=True, help=_("该周期全部单位"))
@click.option(
    "-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help=_("输出目录")
)
@click.option("--workers", default=2, show_default=True, type=int, help=_("并行进程数"))
@with_app
def report(
    app, cycle_ref: str, unit_code: str | None, all_units: bool, out_dir: str, workers: int
) -> None:
    from assess.cycles.models import Assignment, Cycle
    from assess.reports.batch import BatchRenderError, render_batch
    from assess.reports.jobs import report_jobs
    from assess.units.models import Unit

    if bool(unit_code) == all_units:
        _fail(_("请指定 --unit 单位编码 或 --all（二选一）"))
    if not cycle_ref.isdigit():
        _fail(_("--cycle 须为年度或周期编号：%(c)s", c=cycle_ref))
    number = int(cycle_ref)
    published = Cycle.select().where(Cycle.state.in_(RESULT_CYCLE_STATES))
    cycles_found = list(published.where(Cycle.year == number)) or list(
        published.where(Cycle.id == number)
    )
    unit = None
    if unit_code:
        unit = Unit.by_code(unit_code)
        if unit is None:
            _fail(_("单位编码不存在：%(c)s", c=unit_code))
        cycles_found = [
            c
            for c in cycles_found
            if Assignment.select().where(Assignment.cycle == c, Assignment.unit == unit).exists()
        ]
    if not cycles_found:
        _fail(_("没有找到已公布结果的考核周期：%(c)s", c=cycle_ref))
    office = app.config["ISSUING_OFFICE"]
    show_peers = bool(app.config.get("UNITS_SEE_PEERS"))
    jobs = [
        job
        for c in cycles_found
        for job in report_jobs(c, office, [unit] if unit else None, show_peers=show_peers)
    ]
    if not jobs:
        _fail(_("该周期没有可生成的报告"))
    failures: list[tuple[str, str]] = []
    with click.progressbar(length=len(jobs), label=_("生成督查报告")) as bar:
        try:
            paths = render_batch(
                jobs, out_dir, workers=workers, progress=lambda done, total, path: bar.update(1)
            )
        except BatchRenderError as exc:
            # The reports that were written are delivered all the same; the failures are
            # listed after them and the exit status says the batch was incomplete.
            paths, failures = exc.written, exc.failures
    for path in paths:
        click.echo(str(path))
    if failures:
        click.echo(_("%(n)s份报告生成失败：", n=len(failures)), err=True)
        for _name, message in failures:
            click.echo(f"  {message}", err=True)
        sys.exit(1)


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, size // 1024) if size else 0} KB"


@main.command(help=_("备份数据库和佐证材料到一个文件（服务运行时也可备份）"))
@click.argument("path", type=click.Path(dir_okay=False))
@with_app(any_schema=True)
def backup(app, path: str) -> None:
    from assess.evidence.storage import EvidenceStore
    from assess.ops import backup as backups

    try:
        done = backups.backup(
            path,
            instance=app.config["ASSESS_INSTANCE"],
            sweep_grace_hours=app.config["EVIDENCE_SWEEP_GRACE_HOURS"],
            store=EvidenceStore.from_config(app.config),
        )
    except backups.BackupError as exc:
        _fail(str(exc))
    click.echo(
        _(
            "已备份到 %(p)s：%(e)s 数据库（版本 %(v)s），佐证材料 %(n)s 个文件，共 %(s)s",
            p=done.path,
            e=done.engine,
            v=done.schema_version,
            n=done.evidence_files,
            s=_size_label(done.size),
        )
    )


@main.command(help=_("从备份文件恢复数据库和佐证材料（请先停止服务）"))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help=_("数据库中已有数据时也覆盖"))
@with_app(any_schema=True)
def restore(app, path: str, force: bool) -> None:
    from assess.evidence.storage import EvidenceStore
    from assess.ops import backup as backups

    try:
        done = backups.restore(
            path,
            instance=app.config["ASSESS_INSTANCE"],
            force=force,
            store=EvidenceStore.from_config(app.config),
        )
    except backups.BackupError as exc:
        _fail(str(exc))
    click.echo(
        _(
            "已从 %(p)s 恢复：%(e)s 数据库（备份于 %(t)s），佐证材料 %(n)s 个文件",
            p=done.path,
            e=done.engine,
            t=done.created_at,
            n=done.evidence_files,
        )
    )
    from assess.core import audit as audit_log

    if audit_log.verify():
        # The key is not in the archive: an instance restored elsewhere needs it set.
        click.echo(
            _(
                "注意：恢复的审计日志未通过本实例审计密钥的校验。备份若来自另一实例，请设置与原实例"
                "相同的 AUDIT_KEY（未设置时由 SECRET_KEY 派生），再运行 assess audit verify"
            ),
            err=True,
        )


@main.group(help=_("佐证材料存储"))
def evidence() -> None:
    pass


@evidence.command("sweep", help=_("删除没有任何记录引用、且超过宽限期未再上传的佐证材料文件"))
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=0),
    default=None,
    help=_("宽限期（小时，默认取 EVIDENCE_SWEEP_GRACE_HOURS；服务运行时不要设得过短）"),
)
@with_app
def evidence_sweep(app, grace_hours: float | None) -> None:
    from assess.evidence import attachments
    from assess.evidence.storage import EvidenceStore

    if grace_hours is None:
        grace_hours = float(app.config["EVIDENCE_SWEEP_GRACE_HOURS"])
    done = attachments.sweep(EvidenceStore.from_config(app.config), grace_hours)
    click.echo(
        _(
            "已清理无引用的佐证材料 %(n)s 个（%(s)s），临时文件 %(t)s 个（宽限期 %(h)s 小时）",
            n=done.removed,
            s=_size_label(done.freed_bytes),
            t=done.temp_files,
            h=f"{grace_hours:g}",
        )
    )


@main.group(help=_("后台任务"))
def jobs() -> None:
    pass


@jobs.command("prune", help=_("删除超过保留期的已完成任务及其文件（批量报告压缩包等）"))
@click.option(
    "--days",
    type=click.FloatRange(min=0),
    default=None,
    help=_("保留天数（默认取 JOB_RETENTION_DAYS）"),
)
@with_app
def jobs_prune(app, days: float | None) -> None:
    from assess.evidence.storage import StoreUnavailable
    from assess.reports.retention import prune_jobs

    if days is None:
        days = float(app.config["JOB_RETENTION_DAYS"])
    try:
        done = prune_jobs(app.config, days)
    except StoreUnavailable as exc:
        _fail(_("文件存储暂时无法访问，任务记录均未删除，请稍后重试：%(err)s", err=exc))
    click.echo(
        _(
            "已删除超过 %(d)s 天的任务 %(n)s 个，文件 %(f)s 个",
            d=f"{days:g}",
            n=done.jobs,
            f=done.objects,
        )
    )


def _cycle_of(cycle_ref: str):
    """The cycle a ``--cycle`` names: its year when one cycle has it, else its id."""
    from assess.cycles.models import Cycle

    if not cycle_ref.isdigit():
        _fail(_("--cycle 须为年度或周期编号：%(c)s", c=cycle_ref))
    number = int(cycle_ref)
    of_year = list(Cycle.select().where(Cycle.year == number).order_by(Cycle.id))
    if len(of_year) > 1:
        ids = "、".join(str(c.id) for c in of_year)
        _fail(_("%(y)s年度有多个考核周期（编号 %(ids)s），请以编号指定", y=number, ids=ids))
    found = of_year or list(Cycle.select().where(Cycle.id == number))
    if not found:
        _fail(_("没有找到考核周期：%(c)s", c=cycle_ref))
    return found[0]


@main.command(help=_("双随机抽查：按种子和参数重现抽取结果（只读，不写入数据库）"))
@click.option("--cycle", "cycle_ref", required=True, help=_("考核年度或周期编号"))
@click.option("--seed", type=int, required=True, help=_("随机种子"))
@click.option("--rate", type=str, default="0.1", show_default=True, help=_("抽取比例（0 到 1）"))
@click.option("--size", type=int, default=None, help=_("抽取数量（给出时不用比例）"))
@click.option(
    "--random-share", type=str, default="0.3", show_default=True, help=_("纯随机抽取的比例")
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help=_("另存抽取结果为 CSV 文件"))
@with_app
def sample(
    app,
    cycle_ref: str,
    seed: int,
    rate: str,
    size: int | None,
    random_share: str,
    output: str | None,
) -> None:
    import csv
    from decimal import Decimal, InvalidOperation

    from assess.cycles import sampling as cycle_sampling
    from scoring import sampling

    cycle = _cycle_of(cycle_ref)
    try:
        parameters = sampling.SampleParameters(seed, Decimal(rate), Decimal(random_share), size)
    except InvalidOperation:
        _fail(_("--rate 和 --random-share 须为小数"))
    try:
        made = cycle_sampling.compute(cycle, parameters)
    except cycle_sampling.SamplingRefused as exc:
        _fail(str(exc))
    click.echo(_("候选项哈希（SHA-256）：%(h)s", h=made.candidates_hash))
    recorded = cycle_sampling.latest_draw(cycle)
    if recorded is not None and recorded.draw.parameters == parameters:
        if recorded.draw.candidates_hash != made.candidates_hash:
            click.echo(
                _("与审计记录第 %(id)s 条的抽取结果不一致：候选项已变化", id=recorded.entry_id),
                err=True,
            )
        elif recorded.draw.items != _bare(made).items:
            click.echo(
                _("与审计记录第 %(id)s 条的抽取结果不一致：核查员名单已变化", id=recorded.entry_id),
                err=True,
            )
        else:
            click.echo(_("与审计记录第 %(id)s 条的抽取结果一致", id=recorded.entry_id))
    rows = [
        (i.candidate.unit, i.candidate.indicator, i.reason, i.inspector, f"{i.weight:.4f}")
        for i in made.items
    ]
    header = ("unit", "indicator", "reason", "inspector", "risk_weight")
    for row in rows:
        click.echo("\t".join(row))
    if output:
        with open(output, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)


def _bare(made):
    """``made`` as the chain records it: items without their features and weights."""
    from dataclasses import replace

    from scoring import sampling

    return replace(
        made,
        items=tuple(
            replace(i, candidate=sampling.Candidate(*i.candidate.key), weight=0.0)
            for i in made.items
        ),
    )


def _register_offline_commands() -> None:
    # Imported here, not at the top: the offline modules pull in openpyxl and the scoring
    # engine, which the database commands do not need.
    from assess.cli.offline_ranking import rank_nominations_command
    from assess.cli.offline_scoring import indicators_group, score_command

    for command in (score_command, indicators_group, rank_nominations_command):
        main.add_command(command)


_register_offline_commands()
