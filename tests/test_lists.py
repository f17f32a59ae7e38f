"""Lists and campaign statistics as DataFrames, against the sandbox."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from sr_frames import Client
from sr_frames.lists.campaigns import campaign_stats
from sr_frames.lists.contacts import create_list, delete_contacts, get_lists, read_list, update_contacts
from sr_frames.lists.pages import read_pages
from sr_frames.lists.push import push_to_list
from sr_frames.sandbox import answers


def leads(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "name": [f"Lin {i}" for i in range(n)],
        "email": [f"lin{i}@example.com" for i in range(n)],
        "stage": ["new"] * n,
    })


@pytest.fixture
def filled(sandbox):
    """A list holding 250 pushed leads: (list id, the pushed frame)."""
    list_id = create_list("Q4 leads")
    pushed = push_to_list(leads(250), list_id, progress=False)
    assert pushed["sr_push_error"].isna().all()
    return list_id, pushed


def test_create_list_then_see_it_among_the_lists(sandbox):
    first = create_list("Conference leads")
    second = create_list("Webinar leads", permission="company")

    lists = get_lists()

    assert lists["uuid"].tolist() == [first, second]
    assert lists["name"].tolist() == ["Conference leads", "Webinar leads"]
    assert lists["permissions"].tolist() == ["private", "company"]


def test_get_lists_follows_every_page(sandbox):
    made = [create_list(f"list {i}") for i in range(7)]

    assert get_lists(page_size=3)["uuid"].tolist() == made


def test_read_list_returns_every_pushed_row(filled, sandbox):
    list_id, pushed = filled

    contacts = read_list(list_id, page_size=30)  # nine pages, the last one short

    assert len(contacts) == 250
    assert contacts["email"].tolist() == pushed["email"].tolist()
    assert contacts["_id"].tolist() == pushed["sr_contact_id"].tolist()
    assert contacts.columns[0] == "_id"
    assert all(isinstance(i, str) for i in contacts["_id"])
    assert (contacts["list_id"] == list_id).all()
    assert sandbox.count("get_list_data") >= 9


def test_reading_goes_on_until_an_empty_page(filled, sandbox):
    list_id, pushed = filled
    reads = sandbox.count("get_list_data")

    contacts = read_list(list_id, page_size=100)

    assert contacts["email"].tolist() == pushed["email"].tolist()
    assert sandbox.count("get_list_data") - reads == 4  # 100, 100, 50, then an empty page


class CappedPages:
    """A service that serves at most ``cap`` records a page, whatever size is asked."""

    def __init__(self, aclient, cap):
        self.aclient, self.cap = aclient, cap

    async def call(self, method, body):
        return await self.aclient.call(method, {**body, "size": min(body["size"], self.cap)})


def test_a_service_capping_the_page_size_loses_no_contact(filled):
    list_id, pushed = filled

    with Client() as client:
        records = client.submit(lambda ac: read_pages(
            CappedPages(ac, 40), "get_list_data", {"list_id": list_id}, 100)).result()

    assert [r["email"] for r in records] == pushed["email"].tolist()


def test_reading_an_empty_list_gives_an_empty_frame(sandbox):
    contacts = read_list(create_list("empty"))

    assert contacts.empty
    assert contacts.columns.tolist() == ["_id", "list_id"]


def test_an_update_from_a_frame_is_visible_on_reading_back(filled):
    list_id, _ = filled
    contacts = read_list(list_id)
    changed = contacts.iloc[:120].assign(stage="contacted", name=np.nan)
    changed.loc[changed.index[:3], "stage"] = "new"  # already so: matched, not modified

    counts = update_contacts(changed, chunk_size=50)

    assert counts == {"rows": 120, "matched": 120, "modified": 117, "failed": 0, "errors": [],
                      "skipped": 0}
    after = read_list(list_id)
    assert (after["stage"] == "contacted").sum() == 117
    assert after["name"].tolist() == contacts["name"].tolist()  # NaN never blanks a field
    assert len(after) == 250


def test_a_failing_update_chunk_is_counted_and_the_others_land(filled, sandbox):
    list_id, _ = filled
    sandbox.add_fault("status", path="update_list_data", status=500, times=1)

    counts = update_contacts(read_list(list_id).assign(stage="won"), chunk_size=100)

    assert counts["failed"] == 100
    assert counts["modified"] == 150
    assert len(counts["errors"]) == 1 and counts["errors"][0].startswith("server_error")


def test_update_needs_an_id_column(sandbox):
    with pytest.raises(KeyError, match="_id"):
        update_contacts(pd.DataFrame({"email": ["a@example.com"]}))
    with pytest.raises(KeyError, match=r"Did you mean 'id'\?.*Columns: 'id', 'email'"):
        update_contacts(pd.DataFrame({"id": ["x"], "email": ["a@example.com"]}))


def test_update_takes_the_ids_from_another_column(filled):
    list_id, _ = filled
    contacts = read_list(list_id).rename(columns={"_id": "contact"}).iloc[:5].assign(stage="won")

    counts = update_contacts(contacts, id_column="contact")

    assert (counts["matched"], counts["modified"]) == (5, 5)
    assert "contact" not in read_list(list_id).columns


def test_update_never_sends_secrets_nor_moves_a_contact(filled, sandbox):
    list_id, _ = filled
    contacts = read_list(list_id).iloc[:3].assign(
        stage="won", password="hunter2", secret="s3cret", list_id="elsewhere")

    update_contacts(contacts)

    (request,) = sandbox.requests("update_list_data")
    assert [set(row) for row in request["body"]["data"]] == [{"_id", "name", "email", "stage"}] * 3
    after = read_list(list_id)
    assert {"password", "secret"}.isdisjoint(after.columns)
    assert (after["list_id"] == list_id).all()


def test_deleted_ids_are_gone(filled):
    list_id, _ = filled
    doomed = read_list(list_id)["_id"].iloc[::25]

    counts = delete_contacts(doomed)

    assert counts == {"requested": 10, "deleted": 10, "failed": 0, "errors": []}
    after = read_list(list_id)
    assert len(after) == 240
    assert not set(doomed) & set(after["_id"])
    assert delete_contacts(doomed)["deleted"] == 0
    assert delete_contacts([{"$oid": after["_id"].iloc[0]}, None, after["_id"].iloc[0]]) == {
        "requested": 1, "deleted": 1, "failed": 0, "errors": []}


def test_campaign_stats_one_row_per_id_in_input_order(sandbox):
    ids = pd.Series([7, 3, 10, 7, "x"], index=["a", "b", "c", "d", "e"])

    stats = campaign_stats(ids)

    assert stats.index.tolist() == ["a", "b", "c", "d", "e"]
    assert stats["campaign_id"].tolist() == [7, 3, 10, 7, "x"]
    assert stats.loc["a", "sent"] == answers.campaign_statistics(7)["sent"]
    assert stats.loc["b", "campaign_name"] == answers.campaign_statistics(3)["campaign_name"]
    assert stats.loc["c", "error"].startswith("not_found")
    assert stats.loc["e", "error"].startswith("invalid")
    assert stats["error"].isna().tolist() == [True, True, False, True, False]
    assert sandbox.count("campaign_statistics") == 3  # 7 asked once; "x" never sent
    assert stats.columns[0] == "campaign_id" and stats.columns[-1] == "error"


def test_campaign_stats_go_out_concurrently(sandbox):
    sandbox.configure(latency_ms=300)
    started = time.monotonic()

    stats = campaign_stats(range(1, 21))

    assert len(stats) == 20
    assert time.monotonic() - started < 20 * 0.3 / 2  # one after another would take 6 s


def test_helpers_use_the_client_given_and_leave_it_open(sandbox):
    with Client() as client:
        list_id = create_list("shared", client=client)
        push_to_list(leads(5), list_id, client=client, progress=False)
        assert len(read_list(list_id, client=client)) == 5
        assert len(get_lists(client=client)) == 1
        assert campaign_stats([1], client=client)["error"].isna().all()
        assert client.stats.logins == 1
