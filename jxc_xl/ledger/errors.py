"""What can be wrong with a ledger file itself, said in one line a clerk can act on.

A clerk's typing is answered with :class:`~jxc_xl.domain.problems.Problem` values; a ledger file that
is missing, damaged, another program's, too new or busy is answered with :class:`LedgerError`,
whose text is one line, Chinese then English, saying what is wrong and what to do.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

# kind -> (Chinese, English); {path}, {detail}, {version}, {known} are filled in.
TEXTS: dict[str, tuple[str, str]] = {
    "missing": ("找不到账簿文件 {path}：请检查设置表的“账簿文件”，或先过账以新建账簿",
                "Ledger not found: {path}: check 账簿文件 (Ledger) in the Settings sheet, or post once to create it"),
    "empty": ("账簿 {path} 还没有内容（尚未过账）",
              "Ledger {path} is empty: nothing has been posted to it yet"),
    "not_sqlite": ("{path} 不是可用的账簿（不是 jxc 账簿，也不是 SQLite 数据库文件），文件未被改动：请在设置表的“账簿文件”中指向正确的 .jxc.db 账簿",
                   "{path} is not a jxc ledger (not an SQLite database) and was not changed: point 账簿文件 (Ledger) in the Settings sheet at the right .jxc.db ledger"),
    "foreign": ("{path} 是其他程序的数据库，不是 jxc 账簿，文件未被改动：请在设置表的“账簿文件”中指向 .jxc.db 账簿",
                "{path} is another program's database, not a jxc ledger, and was not changed: point 账簿文件 (Ledger) in the Settings sheet at a .jxc.db ledger"),
    "corrupt": ("账簿 {path} 已损坏（{detail}）：请用 jxc restore 从“备份”文件夹恢复最近的备份",
                "Ledger {path} is damaged ({detail}): restore the latest backup from the 备份 folder with `jxc restore`"),
    "newer": ("账簿 {path} 的版本（{version}）比本程序认识的（{known}）新，文件未被改动：请升级 jxc-xl 后再用",
              "Ledger {path} is version {version}, newer than this jxc-xl knows ({known}), and was not changed: upgrade jxc-xl"),
    "old": ("账簿 {path} 是旧版本（{version}），只读方式读不了：请先过账一次（过账会自动升级账簿）",
            "Ledger {path} is an old version ({version}) that cannot be read read-only: post once to upgrade it"),
    "locked": ("账簿 {path} 正被另一个程序过账（已锁定）：请等它完成后再试",
               "Ledger {path} is locked by a post running elsewhere: try again when it has finished"),
    "read_only": ("账簿 {path} 是以只读方式打开的，不能写入",
                  "Ledger {path} was opened read-only: nothing can be written to it"),
    "cannot_open": ("无法打开或写入账簿 {path}（{detail}）：请检查文件夹是否存在、磁盘空间和读写权限",
                    "Cannot open or write ledger {path} ({detail}): check that the folder exists, the disk has room and you may read and write it"),
    "separated": ("工作簿已有过账记录（{posted} 行“已过账”），但在 {path} 找不到它的账簿：请把账簿放回该处，或在设置表的“账簿文件”中指向它；确要为这些行新建账簿，请运行 jxc post --new-ledger（会把它们重新过账到新账簿）",
                  "The workbook has posted rows ({posted}) but its ledger is not at {path}: put the ledger back there or point 账簿文件 (Ledger) in the Settings sheet at it; to start a new ledger for these rows deliberately, run `jxc post --new-ledger` (they are posted again into it)"),
    "outside": ("账簿 {path} 不在工作簿所在的文件夹中：为防止收到的工作簿改写本机的其他文件，账簿须放在工作簿旁边；确需放在别处，请在本机把那个文件夹加入环境变量 {variable}",
                "Ledger {path} is outside the workbook's folder: so that a workbook from elsewhere cannot write to other files on this computer, the ledger must be beside it; to keep it elsewhere, add its folder to the {variable} environment variable on this computer"),
    "server": ("连不上账簿服务器 {path}（{detail}）：请检查网络、服务器地址和本机的 pgpass 密码文件（或 PGPASSWORD）",
               "Cannot use the ledger server {path} ({detail}): check the network, the server's address and this computer's pgpass file (or PGPASSWORD)"),
    "password_in_url": ("账簿地址 {path} 里写了密码：密码不能存放在工作簿中，请从地址中删去，改放在本机的 pgpass 文件或环境变量 PGPASSWORD 中",
                        "The ledger address {path} holds a password: a password must not be kept in a workbook; remove it and put it in this computer's pgpass file or PGPASSWORD"),
    "denied": ("账簿服务器 {path} 拒绝了这项操作（{detail}）：您的数据库账号没有这个权限，请找管理员",
               "The ledger server {path} refused this ({detail}): your database login may not do it; ask the administrator"),
    "ended": ("账簿服务器 {path} 结束了这个连接（{detail}）：您的登录可能已被停用，或服务器在重启；请稍后重新打开，仍不行请找管理员",
              "The ledger server {path} ended this connection ({detail}): your login may have been disabled, or the server restarts; open it again later, or ask the administrator"),
    "not_empty": ("账簿 {path} 已有内容：只能复制到新的空账簿（新文件，或服务器上新建的空数据库）",
                  "Ledger {path} is not empty: a ledger can only be copied into a new, empty one (a new file, or a new empty database on the server)"),
    "copy_differs": ("复制到 {path} 后核对不一致（{detail}），已撤销复制：请把这一行报告给技术支持",
                     "The copy to {path} did not read back equal ({detail}) and was undone: please report this line to support"),
    "server_empty": ("服务器账簿 {path} 还没有建立：请管理员先运行 jxc ledger init {path}（或 jxc ledger copy 把现有账簿复制过去）",
                     "The server ledger {path} has not been set up: an administrator runs `jxc ledger init {path}` first (or `jxc ledger copy` to move existing books there)"),
    "server_restore": ("服务器账簿 {path} 不能在这里用备份替换：请用 jxc ledger copy 把备份复制到服务器上新建的空数据库，再把设置表的“账簿文件”指向它",
                       "A server ledger {path} is not replaced from a backup here: copy the backup into a new empty database on the server with `jxc ledger copy`, then point 账簿文件 (Ledger) in the Settings sheet at it"),
    "server_elsewhere": ("账簿服务器 {path} 不在本机允许的服务器中：为防止收到的工作簿把本机的登录交给别的服务器，请在本机的环境变量 {variable} 中写上这台服务器的名字（多个用逗号分开）",
                         "The ledger server {path} is not one this computer posts to: so that a workbook from elsewhere cannot hand this computer's login to another server, add the server's name to the {variable} environment variable on this computer (comma separated)"),
    "conventions": ("账簿 {path} 升级时无法按新的成本规则重算（{detail}），账簿未被改动：请把这一行报告给技术支持",
                    "Ledger {path} could not be recosted by this version's costing conventions while upgrading ({detail}) and was not changed: please report this line to support"),
    "no_poster": ("账簿服务器 {path} 上没有运行过账服务（jxc ledger serve）{detail}：什么也没有过账，以后也不会；请管理员启动过账服务后再试",
                  "No poster runs for the ledger server {path} (`jxc ledger serve`){detail}: nothing was posted, nor will it be later; ask the administrator to start the poster, then try again"),
    "poster_running": ("账簿 {path} 已有一个过账服务在运行（一本账簿只能有一个），这一个没有启动",
                       "A poster already runs for ledger {path} (one ledger has one poster): this one did not start"),
    "poster_owner": ("过账服务须以账簿所有者的登录运行：{path} 的所有者是 {detail}",
                     "The poster runs under the ledger owner's login: {path} is owned by {detail}"),
    "request_failed": ("过账服务处理这项请求时出错（{detail}），什么也没有过账：请把这一行报告给技术支持",
                       "The poster failed on this request ({detail}) and posted nothing: please report this line to support"),
    "reopen_backup": ("过账服务在反结账前没能备份账簿（{detail}），没有反结账：请管理员检查过账服务旁的“备份”文件夹",
                      "The poster could not back up the books before reopening ({detail}), so nothing was reopened: ask the administrator to check the 备份 folder beside the poster"),
    "bad_backup": ("备份 {path} 不能用来恢复（{detail}）：请选择“备份”文件夹中的另一个备份",
                   "Backup {path} cannot be restored ({detail}): choose another backup from the 备份 folder"),
}

# SQLite's primary result codes that say something about the file rather than about our code.
_FILE_CODES = {11: "corrupt", 26: "corrupt", 5: "locked", 6: "locked", 8: "cannot_open",
               10: "cannot_open", 13: "cannot_open", 14: "cannot_open"}


class LedgerError(Exception):
    """A ledger file that cannot be used as asked; ``kind`` is one of :data:`TEXTS`' keys."""

    def __init__(self, kind: str, path: str | Path, **args: object):
        self.kind, self.path = kind, str(path)
        zh, en = TEXTS[kind]
        values = {"path": self.path, "detail": "", "posted": "", "variable": "", **args}
        self.detail = str(values["detail"])
        self.message, self.message_en = zh.format(**values), en.format(**values)
        super().__init__(f"{self.message} / {self.message_en}")


def file_error(path: str | Path, exc: Exception) -> LedgerError | None:
    """The LedgerError an SQLite or server error stands for, or None when it is not about the
    books' file or server."""
    if type(exc).__module__.startswith("psycopg"):
        from .stores import postgres
        return postgres.error(str(path), exc)
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    kind = None if code is None else _FILE_CODES.get(code & 0xFF)
    if kind is None and "locked" in str(exc):
        kind = "locked"
    return None if kind is None else LedgerError(kind, path, detail=str(exc))
