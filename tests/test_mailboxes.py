"""Mailbox connections and warm-ups from frames; the mailbox password leaves no trace."""

from __future__ import annotations

import dataclasses
import logging
import os

import pandas as pd
import pytest

from sr_frames import Client, cache_info, config, endpoints
from sr_frames.enrich.report import last_report
from sr_frames.lists.contacts import create_list, read_list
from sr_frames.lists.mailboxes import create_email_connections, create_email_warmers
from sr_frames.lists.push import push_to_list

SENTINEL = "s3ntinel-Pa55word-9f2c"


def mailboxes(n: int, secret: str = SENTINEL) -> pd.DataFrame:
    """One row per mailbox, columns named like the Email Connection fields."""
    return pd.DataFrame({
        "sender_name": [f"Sales {i}" for i in range(n)],
        "email": [f"sales{i}@example.com" for i in range(n)],
        "username": [f"sales{i}@example.com" for i in range(n)],
        "secret": [secret] * n,
        "imap_host": ["imap.example.com"] * n,
        "imap_port": [993] * n,  # numbers, as read from a workbook: sent as "993"
        "imap_encryption": ["ssl"] * n,
        "smtp_host": ["smtp.example.com"] * n,
        "smtp_port": [465] * n,
        "smtp_encryption": ["ssl"] * n,
        "permission": ["company"] * n,
        "receiving_email": ["inbox@example.com"] * n,
        "team": ["north"] * n,  # not a request field: kept, not sent
    })


def traces(root: os.PathLike[str], needle: bytes) -> list[str]:
    """Files under ``root`` whose bytes contain ``needle``."""
    found = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                if needle in handle.read():
                    found.append(path)
    return found


def test_twenty_connections_leave_no_trace_of_the_secret(sandbox, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    frame = mailboxes(20)

    with Client() as client:
        created = create_email_connections(frame, client=client)
        # the same frame pushed to a list and through a cached verb must not carry it either
        list_id = create_list("senders", client=client)
        push_to_list(frame, list_id, client=client)
        frame.salesrocks.verify_emails("email", client=client)
        shown = [repr(client), str(vars(client)), repr(vars(client.aclient))]

    assert created["connection_id"].notna().all()
    assert created["connection_error"].isna().all()
    assert "secret" not in created.columns
    assert "secret" not in read_list(list_id).columns
    out, err = capsys.readouterr()
    report = created.attrs["salesrocks"]
    shown += [repr(created), created.to_csv(), created.to_json(), repr(created.attrs),
              str(report), repr(report), report._repr_html_(), str(report.to_dict()),
              repr(last_report()), out, err, caplog.text]
    shown += [r.getMessage() + repr(r.args) for r in caplog.records]
    assert not [text for text in shown if SENTINEL in text]
    cache_dir = config.settings().resolved_cache_dir
    assert cache_dir.is_dir()
    assert traces(cache_dir, SENTINEL.encode()) == []
    assert cache_info().by_endpoint.get("create_email_connection", 0) == 0
    assert (frame["secret"] == SENTINEL).all()  # the caller's frame is untouched


def test_connection_fields_are_sent_with_their_json_types(sandbox):
    created = create_email_connections(mailboxes(1), progress=False)

    (request,) = sandbox.requests("create_email_connection")
    assert request["body"]["imap_port"] == "993"
    assert request["body"]["smtp_port"] == "465"
    assert "team" not in request["body"]
    assert created["team"].tolist() == ["north"]
    assert created.columns.tolist()[-4:] == ["connection_id", "connection_user_id",
                                             "connection_type", "connection_error"]


def test_a_row_missing_a_required_value_fails_alone_without_a_request(sandbox):
    frame = mailboxes(3)
    frame.loc[1, "secret"] = None

    created = create_email_connections(frame, progress=False)

    assert created["connection_error"].isna().tolist() == [True, False, True]
    assert created.loc[1, "connection_error"].startswith("invalid_request")
    assert "'secret' is required" in created.loc[1, "connection_error"]
    assert sandbox.count("create_email_connection") == 2


def test_a_lost_answer_says_the_connection_may_exist(sandbox):
    sandbox.add_fault("lost_answer", path="create_email_connection", times=1)

    created = create_email_connections(mailboxes(2), progress=False)

    errors = created["connection_error"].dropna()
    assert len(errors) == 1 and errors.iloc[0].startswith("uncertain")
    assert SENTINEL not in errors.iloc[0]
    assert sandbox.count("create_email_connection") == 2  # never resent


def test_missing_columns_are_named(sandbox):
    with pytest.raises(KeyError, match="secret"):
        create_email_connections(mailboxes(1).drop(columns="secret"), progress=False)
    with pytest.raises(KeyError, match=r"column 'secret' \(argument secret=\).*Did you mean 'secrets'"):
        create_email_connections(mailboxes(1).rename(columns={"secret": "secrets"}), progress=False)
    with pytest.raises(TypeError, match="unknown field"):
        create_email_connections(mailboxes(1), pasword="password", progress=False)
    assert sandbox.count("create_email_connection") == 0


def test_a_keyword_names_the_column_of_a_field(sandbox):
    frame = mailboxes(2).rename(columns={"secret": "mailbox_password", "smtp_port": "port"})

    created = create_email_connections(frame, secret="mailbox_password", smtp_port="port", progress=False)

    assert created["connection_error"].isna().all()
    assert "mailbox_password" not in created.columns  # the secret's column is dropped, whatever its name
    assert SENTINEL not in created.to_csv()
    assert sandbox.requests("create_email_connection")[0]["body"]["smtp_port"] == "465"


def test_result_columns_come_from_the_endpoint_table(sandbox, monkeypatch):
    table = endpoints.endpoint("create_email_connection")
    monkeypatch.setitem(endpoints.BY_METHOD, "create_email_connection", dataclasses.replace(
        table, columns={"id": "mailbox_id", "type": "mailbox_kind"}, error_column="mailbox_error"))

    created = create_email_connections(mailboxes(1), progress=False)

    assert created.columns.tolist()[-3:] == ["mailbox_id", "mailbox_kind", "mailbox_error"]
    assert created["mailbox_id"].notna().all()


def test_the_report_counts_this_runs_requests_only(sandbox):
    with Client() as client:
        create_email_connections(mailboxes(3), client=client, progress=False)
        seen = sandbox.stats()["total"]

        again = create_email_connections(mailboxes(2), client=client, progress=False)

    assert again.attrs["salesrocks"].requests_sent == sandbox.stats()["total"] - seen == 2


def test_warmers_for_connected_mailboxes(sandbox):
    create_email_connections(mailboxes(2), progress=False)
    warmers = pd.DataFrame({
        "connection_email": ["sales0@example.com", "sales1@example.com", "nobody@example.com"],
        "ramp_up_increment": [3.0, 2.0, 1.0],
        "ramp_up_limit": [10, 20, 30],
        "start_date": pd.to_datetime(["2025-08-22 22:00", "2025-09-01 08:00", "2025-09-02 00:00"]),
        "timezone": ["America/Regina (GMT-06:00)"] * 3,
        "mature": ["true", 0, True],
        "stop_on_limit_reach": [False, False, True],
    })

    started = create_email_warmers(warmers, progress=False)

    assert started["warmer_id"].notna().tolist() == [True, True, False]
    assert started.loc[2, "warmer_error"].startswith("not_found")
    first = sandbox.requests("create_email_warmer")[0]["body"]
    assert first["ramp_up_increment"] == 3
    assert first["start_date"] == "2025-08-22 22:00:00"
    assert first["mature"] is True
    assert started.columns.tolist()[:7] == warmers.columns.tolist()
    assert cache_info().entries == 0
