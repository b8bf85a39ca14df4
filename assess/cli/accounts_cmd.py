"""The desk's accounts, the clinic's identity and the access log on the command line:
`assess user add|list|disable|enable|reset-password|role|set`, `assess clinic set|show`,
`assess log [verify]`. Whoever runs these has the store's file or URL: an administrator."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assess.cli.common import DbOpt, app, errors, out, say

if TYPE_CHECKING:
    from sqlalchemy import Engine

user_app = typer.Typer(
    help="Accounts for the web desk (assess serve): clinicians and administrators.", no_args_is_help=True
)
app.add_typer(user_app, name="user")
clinic_app = typer.Typer(
    help="The clinic's name, address, telephone, e-mail, emergency number, mail relay "
    "and logo, printed on every plan and letter.",
    no_args_is_help=True,
)
app.add_typer(clinic_app, name="clinic")
log_app = typer.Typer(
    help="The access log: who viewed, printed or changed which record, when and from where.",
    invoke_without_command=True,
)
app.add_typer(log_app, name="log")

UserArg = Annotated[str, typer.Argument(help="The account's username.")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from standard input (for scripts) instead of asking twice.",
    ),
]


def _store(db: str | None) -> Engine:
    from assess.store.database import open_store, resolve_url

    return open_store(resolve_url(db))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password (at least 10 characters)", hide_input=True, confirmation_prompt=True))


def _logged(engine: Engine, action: str, detail: str = "") -> None:
    from assess.store.access_log import record

    record(engine, action, actor=f"{getpass.getuser()} (command line)", detail=detail)


@user_app.command("add")
def user_add(
    username: UserArg,
    name: Annotated[
        str, typer.Option("--name", help="The clinician's name, as plans and letters are signed.")
    ],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="clinician (their own and shared clients) or administrator "
            "(accounts, clinic settings, every client).",
        ),
    ] = "clinician",
    profession: Annotated[str | None, typer.Option("--profession", help="e.g. Physiotherapist.")] = None,
    registration: Annotated[
        str | None, typer.Option("--registration", help="Professional registration number, e.g. PH123456.")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="Where alerts are e-mailed.")] = None,
    password_stdin: PasswordStdin = False,
    db: DbOpt = None,
) -> None:
    """Create an account for the web desk.

    Example: assess user add jphysio --name "J. Physio" --profession Physiotherapist --registration PH123456
    """
    with errors():
        from assess.store.accounts import add_clinician

        engine = _store(db)
        made = add_clinician(
            engine,
            username,
            name,
            _password(password_stdin),
            role=role,  # type: ignore[arg-type]
            profession=profession,
            registration=registration,
            email=email,
        )
        _logged(engine, "added an account", f"{made.username} ({made.role})")
        say(f"{made.role.capitalize()} {made.username} ({made.name}) can sign in at assess serve")


@user_app.command("list")
def user_list(db: DbOpt = None) -> None:
    """List the accounts: username, name, role, profession, registration, e-mail, enabled.

    Example: assess user list
    """
    with errors():
        from rich.table import Table

        from assess.store.accounts import accounts

        table = Table("username", "name", "role", "profession", "registration", "e-mail", "state")
        for a in accounts(_store(db)):
            table.add_row(
                a.username,
                a.name,
                a.role,
                a.profession or "",
                a.registration or "",
                a.email or "",
                "disabled" if a.disabled else "enabled",
            )
        out.print(table)


def _enabled(username: str, enabled: bool, db: str | None) -> None:
    from assess.store.accounts import set_disabled

    engine = _store(db)
    set_disabled(engine, username, not enabled)
    _logged(engine, "enabled an account" if enabled else "disabled an account", username)
    say(f"{username} can sign in again" if enabled else f"{username} is disabled; its sessions have ended")


@user_app.command("disable")
def user_disable(username: UserArg, db: DbOpt = None) -> None:
    """Disable an account: its sessions end at once and it cannot sign in.

    Example: assess user disable jphysio
    """
    with errors():
        _enabled(username, False, db)


@user_app.command("enable")
def user_enable(username: UserArg, db: DbOpt = None) -> None:
    """Enable a disabled account again.

    Example: assess user enable jphysio
    """
    with errors():
        _enabled(username, True, db)


@user_app.command("reset-password")
def user_reset(username: UserArg, password_stdin: PasswordStdin = False, db: DbOpt = None) -> None:
    """Give an account a new password; its sessions end.

    Example: assess user reset-password jphysio
    """
    with errors():
        from assess.store.accounts import reset_password

        engine = _store(db)
        reset_password(engine, username, _password(password_stdin))
        _logged(engine, "reset a password", username)
        say(f"{username} has a new password; its sessions have ended")


@user_app.command("role")
def user_role(
    username: UserArg,
    role: Annotated[str, typer.Argument(help="clinician or administrator.")],
    db: DbOpt = None,
) -> None:
    """Make an account a clinician or an administrator (its sessions end, to sign in with the new role).

    Example: assess user role jphysio administrator
    """
    with errors():
        from assess.store.accounts import set_role

        engine = _store(db)
        set_role(engine, username, role)
        _logged(engine, "changed a role", f"{username} to {role}")
        say(f"{username} is now a{'n' if role.startswith('a') else ''} {role}")


@user_app.command("set")
def user_set(
    username: UserArg,
    name: Annotated[
        str | None, typer.Option("--name", help="The name plans and letters are signed with.")
    ] = None,
    profession: Annotated[str | None, typer.Option("--profession")] = None,
    registration: Annotated[str | None, typer.Option("--registration")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    db: DbOpt = None,
) -> None:
    """Change what letters print of an account ("" clears a field).

    Example: assess user set jphysio --registration PH123456 --email jp@clinic.example
    """
    with errors():
        from assess.store.accounts import set_details

        engine = _store(db)
        done = set_details(
            engine, username, name=name, profession=profession, registration=registration, email=email
        )
        _logged(engine, "changed an account", username)
        say(f"{done.username}: " + "; ".join(done.signature()))


@clinic_app.command("set")
def clinic_set(
    name: Annotated[str | None, typer.Option("--name", help="The clinic's name.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="As printed; \\n for a new line.")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Alerts are sent from it.")] = None,
    emergency: Annotated[
        str | None,
        typer.Option("--emergency", help="The emergency number clients are told to call, e.g. 999."),
    ] = None,
    smtp: Annotated[
        str | None, typer.Option("--smtp", help="HOST:PORT of the clinic's mail relay, for alerts.")
    ] = None,
    logo: Annotated[Path | None, typer.Option("--logo", help="A PNG of at most 200 KB.")] = None,
    db: DbOpt = None,
) -> None:
    """Set the clinic's details (only those given change; "" clears one).

    Example: assess clinic set --name "Riverside Physiotherapy" --phone "0113 496 0000" --emergency 999
    """
    with errors():
        from assess.domain.errors import UsageError
        from assess.store.clinic import set_clinic

        engine = _store(db)
        image = None
        if logo is not None:
            try:
                image = logo.read_bytes()
            except OSError as exc:
                raise UsageError(f"--logo: cannot read {logo} ({exc.strerror})") from None
        done = set_clinic(
            engine,
            f"{getpass.getuser()} (command line)",
            name=name,
            address=address.replace("\\n", "\n") if address else address,
            phone=phone,
            email=email,
            emergency_number=emergency,
            smtp=smtp,
            logo=image,
        )
        _logged(engine, "set the clinic's details")
        say(f"{done.name}: " + " · ".join([*done.lines(), f"emergency {done.emergency_number}"]))


@clinic_app.command("show")
def clinic_show(db: DbOpt = None) -> None:
    """Show the clinic's details as they are printed.

    Example: assess clinic show
    """
    with errors():
        from assess.store.clinic import clinic

        found = clinic(_store(db))
        if found is None:
            say("No clinic details are set yet: assess clinic set --name ... --emergency ...")
            return
        say(found.name)
        for line in found.lines():
            say(line)
        say(f"Emergency number: {found.emergency_number}")
        say(f"Mail relay: {found.smtp or 'none'}; logo: {'set' if found.logo else 'none'}")


@log_app.callback()
def log_list(
    ctx: typer.Context,
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            help="Only this client's record (name or id): who viewed or printed it.",
            show_default=False,
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Print the access log, newest first (or, with --client, who viewed or printed one record).

    Example: assess log --client 3f2a9c1e
    """
    if ctx.invoked_subcommand is not None:
        return
    with errors():
        from rich.table import Table

        from assess.store.access_log import entries
        from assess.store.records import resolve_client

        engine = _store(db)
        client_id = None
        title = "Access log"
        if client:
            with engine.connect() as conn:
                client_id = resolve_client(conn, client)
            title = f"Who viewed or printed the record of client {client_id[:8]}"
        table = Table("#", "when (UTC)", "who", "what", "record", "from", title=title)
        for e in entries(engine, client_id=client_id):
            record = " / ".join(x[:8] for x in (e.client_id, e.assessment_id) if x)
            table.add_row(
                str(e.id),
                f"{e.at:%Y-%m-%d %H:%M:%S}",
                e.actor,
                e.action + (f" ({e.detail})" if e.detail else ""),
                record,
                e.origin,
            )
        out.print(table)
        if client_id:
            _logged(engine, "printed who viewed a record", client_id[:8])


@log_app.command("verify")
def log_verify(db: DbOpt = None) -> None:
    """Check the access log's chain: exit 0 when every entry is intact, 3 naming the first that is not.

    Example: assess log verify
    """
    with errors():
        from assess.store.access_log import verify

        checked, broken = verify(_store(db))
        if broken:
            say(f"The access log is broken after {checked} entries: {broken}")
            raise typer.Exit(3)
        say(f"The access log is intact: {checked} entries, each chained to the one before")
