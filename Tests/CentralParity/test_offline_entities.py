"""Port of Central's test/integration/api/offline-entities.js (describe 'Offline Entities').

Central runs the entity worker (`exhaust`) after submissions; the gateway does that work
inside the request, so nothing stands in for it. `container.Entities.processBacklog(true)`
is `POST /v1/backlog/process?force=true`; Central's `entity_submission_backlog` is our
`entity_backlog` table.
"""

import re
import threading
import uuid as uuidlib

from conftest import FORMS, INSTANCES, Client

ONE = INSTANCES["offlineEntity"]["one"]
TWO = INSTANCES["offlineEntity"]["two"]
ABC = "12345678-1234-4123-8234-123456789abc"
DDD = "12345678-1234-4123-8234-123456789ddd"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
DAY = 24 * 3600


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def js_replace(xml: str, *pairs) -> str:
    """JavaScript's String.prototype.replace with a string pattern: first occurrence only,
    silently nothing when absent (Central's tests rely on both)."""
    for old, new in pairs:
        xml = xml.replace(old, new, 1)
    return xml


def setup(gateway) -> None:
    """Central's testOfflineEntities: offlineEntity published, Johnny made over the API."""
    alice = gateway.alice
    alice.publish(FORMS["offlineEntity"])
    alice.post("/v1/projects/1/datasets/people/entities", json={
        "uuid": ABC,
        "label": "Johnny Doe",
        "data": {"first_name": "Johnny", "age": "22"},
    }).expect(200)


def submit(gateway, xml: str) -> None:
    gateway.alice.submit("offlineEntity", xml)


def current(gateway, uuid: str) -> dict:
    return gateway.alice.entity(uuid)["currentVersion"]


def entity(gateway, uuid: str) -> dict:
    return gateway.alice.entity(uuid)


def backlog_count(gateway) -> int:
    return gateway.sql("SELECT count(*) FROM entity_backlog")[0][0]


def audits(gateway, instance_id: str) -> list:
    return gateway.alice.submission_audits("offlineEntity", instance_id)


def actions(logs: list) -> list:
    return [log["action"] for log in logs]


def conflicts(gateway, uuid: str) -> list:
    return [v["conflict"] for v in gateway.alice.versions(uuid)]


def patch_entity(gateway, uuid: str, query: str, body=None):
    return gateway.alice.patch(f"/v1/projects/1/datasets/people/entities/{uuid}{query}", json=body).expect(200)


def require_approval(gateway, value: bool, query: str = ""):
    return gateway.alice.patch(f"/v1/projects/1/datasets/people{query}",
                               json={"approvalRequired": value}).expect(200)


def assert_absent(version: dict, *keys) -> None:
    for key in keys:
        assert version.get(key) is None, f"{key} should not exist: {version.get(key)!r}"


# Submissions Central's tests derive again and again from the two fixtures.

def one_in_branch(branch: str, *more) -> str:
    return js_replace(ONE, ('branchId=""', f'branchId="{branch}"'), *more)


def two_as_update(branch: str, instance: str, base: str, *more) -> str:
    return js_replace(TWO, ('create="1"', 'update="1"'), ('branchId=""', f'branchId="{branch}"'),
                      ("two", instance), ('baseVersion=""', f'baseVersion="{base}"'), *more)


# describe: parsing branchId and trunkVersion from submission xml

def test_should_parse_and_save_info_from_submission_creating_an_entity(gateway):
    setup(gateway)
    submit(gateway, TWO)

    v = current(gateway, DDD)
    assert v["data"] == {"age": "20", "status": "new", "first_name": "Megan"}
    assert v["version"] == 1
    assert_absent(v, "trunkVersion", "baseVersion", "branchBaseVersion", "branchId")


def test_should_parse_and_save_branch_info_from_sub_updating_an_entity(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, one_in_branch(branch))

    v = current(gateway, ABC)
    assert v["version"] == 2
    assert v["baseVersion"] == 1
    assert v["data"] == {"age": "22", "status": "arrived", "first_name": "Johnny"}
    assert v["branchId"] == branch
    assert v["branchBaseVersion"] == 1
    assert v["trunkVersion"] == 1


def test_should_ignore_empty_string_trunkversion_and_branchid_values_in_update_scenario(gateway):
    setup(gateway)
    submit(gateway, js_replace(ONE, ('trunkVersion="1"', 'trunkVersion=""')))

    v = current(gateway, ABC)
    assert v["version"] == 2
    assert v["baseVersion"] == 1
    assert v["data"] == {"age": "22", "status": "arrived", "first_name": "Johnny"}
    assert_absent(v, "trunkVersion", "branchBaseVersion", "branchId")


def test_should_log_processing_error_if_trunkversion_is_set_but_branchid_is_not(gateway):
    setup(gateway)
    submit(gateway, ONE)

    v = current(gateway, ABC)
    assert v["version"] == 1
    assert_absent(v, "baseVersion")
    assert v["data"] == {"age": "22", "first_name": "Johnny"}
    assert_absent(v, "trunkVersion", "branchBaseVersion", "branchId")

    assert audits(gateway, "one")[0]["details"]["errorMessage"] == "Required parameter branchId missing."


# describe: offline branches submitted in order

def test_should_let_multiple_updates_in_the_same_branch_get_applied_in_order(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, one_in_branch(branch))
    submit(gateway, one_in_branch(branch, ("one", "one-update"), ('baseVersion="1"', 'baseVersion="2"'),
                                  ("<status>arrived</status>", "<status>departed</status>")))

    v = current(gateway, ABC)
    assert v["version"] == 3
    assert v["baseVersion"] == 2
    assert v["data"] == {"age": "22", "status": "departed", "first_name": "Johnny"}
    assert v["branchId"] == branch
    assert v["branchBaseVersion"] == 2
    assert v["trunkVersion"] == 1


def test_should_apply_update_branch_in_order_after_server_version_has_advanced(gateway):
    setup(gateway)
    branch = new_uuid()
    patch_entity(gateway, ABC, "?baseVersion=1", {"label": "Johnny Doe (age 22)"})

    submit(gateway, one_in_branch(branch))
    submit(gateway, one_in_branch(branch, ("one", "one-update"), ('baseVersion="1"', 'baseVersion="2"'),
                                  ("<status>arrived</status>", "<status>departed</status>")))

    v = current(gateway, ABC)
    assert v["version"] == 4
    assert v["baseVersion"] == 3
    assert v["data"] == {"age": "22", "status": "departed", "first_name": "Johnny"}
    assert v["branchId"] == branch
    assert v["branchBaseVersion"] == 2
    assert v["trunkVersion"] == 1


def test_should_handle_updating_a_branch_in_order_but_with_an_interruption(gateway):
    setup(gateway)
    branch = new_uuid()
    patch_entity(gateway, ABC, "?baseVersion=1", {"label": "Johnny - changed label"})
    submit(gateway, one_in_branch(branch))
    patch_entity(gateway, ABC, "?baseVersion=3", {"label": "Johnny Doe (age 22)"})
    submit(gateway, one_in_branch(branch, ("one", "one-update"), ('baseVersion="1"', 'baseVersion="2"'),
                                  ("<status>arrived</status>", "<status>departed</status>")))

    v = current(gateway, ABC)
    assert v["version"] == 5
    assert v["baseVersion"] == 3
    assert v["data"] == {"age": "22", "status": "departed", "first_name": "Johnny"}
    assert v["branchId"] == branch
    assert v["branchBaseVersion"] == 2
    assert v["trunkVersion"] == 1


def test_should_handle_an_offline_branch_that_starts_with_a_create(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, TWO)
    submit(gateway, two_as_update(branch, "two-update", "1", ("<status>new</status>", "<status>checked in</status>")))

    v = current(gateway, DDD)
    assert v["version"] == 2
    assert v["baseVersion"] == 1
    assert v["data"] == {"age": "20", "status": "checked in", "first_name": "Megan"}
    assert v["branchId"] == branch
    assert_absent(v, "trunkVersion")
    assert v["branchBaseVersion"] == 1


def test_should_handle_offline_create_update_update_with_interleaved_online_updates(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, TWO)
    patch_entity(gateway, DDD, "?baseVersion=1", {"data": {"age": "30"}})
    submit(gateway, two_as_update(branch, "two-update", "1", ("<status>new</status>", "<status>arrived</status>"),
                                  ("<name>Megan</name>", ""), ("<age>20</age>", "")))
    patch_entity(gateway, DDD, "?baseVersion=3", {"data": {"age": "40"}})
    submit(gateway, two_as_update(branch, "two-update2", "2", ("<status>new</status>", "<status>complete</status>"),
                                  ("<name>Megan</name>", ""), ("<age>20</age>", "")))

    # The computed base is v3 while branchBaseVersion is v2.
    v = current(gateway, DDD)
    assert v["version"] == 5
    assert v["baseVersion"] == 3
    assert v["data"] == {"age": "40", "status": "complete", "first_name": "Megan"}
    assert v["branchId"] == branch
    assert_absent(v, "trunkVersion")
    assert v["branchBaseVersion"] == 2


# describe: out of order runs

def test_should_quietly_process_submission_without_entity_work_if_trunk_and_base_versions_are_not_good(gateway):
    setup(gateway)
    submit(gateway, one_in_branch(new_uuid(), ('baseVersion="1"', 'baseVersion="2"')))

    v = current(gateway, ABC)
    assert v["version"] == 1
    assert v["data"] == {"age": "22", "first_name": "Johnny"}
    assert audits(gateway, "one")[0]["details"].get("problem") is None


def test_should_not_apply_out_of_order_update_from_a_run_after_starting_a_run(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, one_in_branch(branch))
    submit(gateway, one_in_branch(branch, ("one", "one-update2"), ('baseVersion="1"', 'baseVersion="3"'),
                                  ("<status>arrived</status>", "<status>departed</status>")))

    v = current(gateway, ABC)
    assert v["version"] == 2
    assert v["baseVersion"] == 1
    assert v["data"] == {"age": "22", "status": "arrived", "first_name": "Johnny"}
    assert v["branchId"] == branch
    assert v["branchBaseVersion"] == 1
    assert v["trunkVersion"] == 1


def test_should_not_apply_later_trunkversion_past_existing_server_version(gateway):
    setup(gateway)
    submit(gateway, one_in_branch(new_uuid(), ('trunkVersion="1"', 'trunkVersion="2"'),
                                  ("<status>arrived</status>", "<status>weird case</status>")))

    assert backlog_count(gateway) == 0
    assert audits(gateway, "one")[0]["details"]["errorMessage"] == (
        "Base version (trunkVersion=2) does not exist for entity UUID "
        "(12345678-1234-4123-8234-123456789abc) in dataset (people).")

    v = current(gateway, ABC)
    assert v["version"] == 1
    assert_absent(v, "baseVersion")
    assert v["data"] == {"age": "22", "first_name": "Johnny"}
    assert_absent(v, "trunkVersion", "branchBaseVersion", "branchId")


def test_should_apply_later_run_received_earlier(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, one_in_branch(branch))
    submit(gateway, one_in_branch(branch, ("one", "one-update2"), ('baseVersion="1"', 'baseVersion="3"'),
                                  ("<status>arrived</status>", "<status>departed</status>")))
    assert backlog_count(gateway) == 1

    submit(gateway, one_in_branch(branch, ("one", "one-update1"), ('baseVersion="1"', 'baseVersion="2"'),
                                  ("<status>arrived</status>", "<status>working</status>")))

    v = current(gateway, ABC)
    assert v["version"] == 4
    assert v["baseVersion"] == 3
    assert v["data"] == {"age": "22", "status": "departed", "first_name": "Johnny"}
    assert v["branchId"] == branch
    assert v["branchBaseVersion"] == 3
    assert v["trunkVersion"] == 1


def test_should_handle_offline_update_that_comes_before_a_create(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, two_as_update(branch, "two-update", "1", ("<status>new</status>", "<status>checked in</status>")))
    assert backlog_count(gateway) == 1

    # The create has no branchId, yet it releases the next submission of the branch.
    submit(gateway, TWO)

    v = current(gateway, DDD)
    assert v["version"] == 2
    assert v["baseVersion"] == 1
    assert v["data"] == {"age": "20", "status": "checked in", "first_name": "Megan"}
    assert v["branchId"] == branch
    assert_absent(v, "trunkVersion")
    assert v["branchBaseVersion"] == 1


def test_should_handle_offline_create_update_that_comes_in_backwards(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, two_as_update(branch, "two-update2", "2", ("<status>new</status>", "<status>working</status>")))
    assert backlog_count(gateway) == 1

    submit(gateway, two_as_update(branch, "two-update", "1", ("<status>new</status>", "<status>checked in</status>")))
    assert backlog_count(gateway) == 2

    submit(gateway, TWO)

    v = current(gateway, DDD)
    assert v["version"] == 3
    assert v["baseVersion"] == 2
    assert v["data"] == {"age": "20", "status": "working", "first_name": "Megan"}
    assert v["branchId"] == branch
    assert_absent(v, "trunkVersion")
    assert v["branchBaseVersion"] == 2


def test_should_log_an_event_when_holding_submission_in_backlog_force_update(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, one_in_branch(branch, ("one", "one-update1"), ('baseVersion="1"', 'baseVersion="2"'),
                                  ("<status>arrived</status>", "<status>working</status>")))

    logs = audits(gateway, "one-update1")
    assert len(logs) == 2
    assert actions(logs) == ["submission.backlog.hold", "submission.create"]

    gateway.alice.process_backlog(force=True)

    logs = audits(gateway, "one-update1")
    assert len(logs) == 4
    assert actions(logs) == ["entity.update.version", "submission.backlog.force",
                             "submission.backlog.hold", "submission.create"]


def test_should_log_an_event_when_holding_submission_in_backlog_force_update_as_create_then_create_as_update(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, two_as_update(branch, "two-update", "1", ("<status>new</status>", "<status>checked in</status>")))

    gateway.alice.process_backlog(force=True)

    logs = audits(gateway, "two-update")
    assert len(logs) == 4
    assert actions(logs) == ["entity.create", "submission.backlog.force",
                             "submission.backlog.hold", "submission.create"]

    submit(gateway, TWO)

    # The create does not go through the backlog, so it has no backlog events.
    logs = audits(gateway, "two")
    assert len(logs) == 2
    assert actions(logs) == ["entity.update.version", "submission.create"]


def test_should_include_submission_backlog_reprocess_event_in_audit_log_of_held_submission(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, one_in_branch(branch, ("one", "one-update1"), ('baseVersion="1"', 'baseVersion="2"'),
                                  ("<status>arrived</status>", "<status>working</status>")))
    submit(gateway, one_in_branch(branch))

    logs = audits(gateway, "one-update1")
    assert actions(logs) == ["entity.update.version", "submission.backlog.reprocess",
                             "submission.backlog.hold", "submission.create"]
    # The update's actor is the submission's creator.
    assert logs[0]["actorId"] == logs[3]["actorId"]


# describe: reprocessing submissions when toggling approvalRequired dataset flag

def test_should_not_over_process_a_submission_that_is_being_held_because_it_is_later_in_a_run(gateway):
    setup(gateway)
    branch = new_uuid()
    require_approval(gateway, True)

    submit(gateway, one_in_branch(branch, ('baseVersion="1"', 'baseVersion="2"')))
    assert backlog_count(gateway) == 1
    assert audits(gateway, "one")[0]["details"].get("problem") is None
    assert len(gateway.alice.versions(ABC)) == 1

    require_approval(gateway, False, "?convert=true")

    assert backlog_count(gateway) == 1
    logs = audits(gateway, "one")
    assert actions(logs) == ["submission.backlog.hold", "submission.create"]
    assert logs[1]["details"].get("problem") is None
    assert len(gateway.alice.versions(ABC)) == 1

    submit(gateway, one_in_branch(branch, ("one", "one-update"),
                                  ("<status>arrived</status>", "<status>waiting</status>")))

    assert len(gateway.alice.versions(ABC)) == 3
    assert backlog_count(gateway) == 0


def test_should_wait_for_approval_of_create_submission_in_offline_branch(gateway):
    setup(gateway)
    require_approval(gateway, True)
    branch = new_uuid()

    submit(gateway, TWO)
    submit(gateway, two_as_update(branch, "two-update", "1", ("<status>new</status>", "<status>checked in</status>")))

    gateway.alice.get(f"/v1/projects/1/datasets/people/entities/{DDD}").expect(404)

    logs = audits(gateway, "two")
    assert len(logs) == 1
    assert logs[0]["details"].get("problem") is None
    logs = audits(gateway, "two-update")
    assert actions(logs) == ["submission.backlog.hold", "submission.create"]
    assert logs[1]["details"].get("problem") is None

    assert backlog_count(gateway) == 1

    gateway.alice.review("offlineEntity", "two", "approved")

    v = current(gateway, DDD)
    assert v["version"] == 2
    assert v["baseVersion"] == 1
    assert v["data"] == {"age": "20", "status": "checked in", "first_name": "Megan"}
    assert v["branchId"] == branch
    assert_absent(v, "trunkVersion")
    assert v["branchBaseVersion"] == 1

    assert backlog_count(gateway) == 0


def test_should_not_process_update_submission_in_backlog_if_approvalrequired_is_true(gateway):
    setup(gateway)
    require_approval(gateway, True)
    branch = new_uuid()

    submit(gateway, two_as_update(branch, "two-update", "1", ("<status>new</status>", "<status>checked in</status>")))
    assert backlog_count(gateway) == 1

    gateway.alice.process_backlog(force=True)
    assert backlog_count(gateway) == 0

    gateway.alice.get(f"/v1/projects/1/datasets/people/entities/{DDD}").expect(404)

    logs = audits(gateway, "two-update")
    assert actions(logs) == ["submission.backlog.force", "submission.backlog.hold", "submission.create"]
    assert logs[2]["action"] == "submission.create"
    assert logs[2]["details"].get("problem") is None


# describe: force-processing held submissions

def test_should_apply_an_entity_update_when_the_previous_update_is_missing(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, one_in_branch(branch, ('baseVersion="1"', 'baseVersion="2"')))
    assert backlog_count(gateway) == 1

    gateway.alice.process_backlog(force=True)

    v = current(gateway, ABC)
    assert v["version"] == 2
    assert v["baseVersion"] == 1
    assert v["data"] == {"age": "22", "status": "arrived", "first_name": "Johnny"}
    assert v["branchId"] == branch
    assert v["trunkVersion"] == 1
    assert v["branchBaseVersion"] == 2

    assert backlog_count(gateway) == 0


def test_should_apply_two_updates_when_first_upate_is_missing(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, one_in_branch(branch, ('baseVersion="1"', 'baseVersion="2"')))
    submit(gateway, one_in_branch(branch, ("one", "one-update2"), ('baseVersion="1"', 'baseVersion="3"'),
                                  ("<status>arrived</status>", "<status>departed</status>")))
    assert backlog_count(gateway) == 2

    gateway.alice.process_backlog(force=True)

    v = current(gateway, ABC)
    assert v["version"] == 3
    assert v["baseVersion"] == 2
    assert v["data"] == {"age": "22", "status": "departed", "first_name": "Johnny"}
    assert v["branchId"] == branch
    assert v["trunkVersion"] == 1
    assert v["branchBaseVersion"] == 3

    assert backlog_count(gateway) == 0


def test_should_apply_an_entity_update_as_a_create(gateway):
    setup(gateway)
    branch = new_uuid()
    fresh = new_uuid()

    submit(gateway, one_in_branch(branch, (f'id="{ABC}"', f'id="{fresh}"'),
                                  ('trunkVersion="1"', 'trunkVersion=""'), ('baseVersion="1"', 'baseVersion="2"')))
    submit(gateway, js_replace(TWO, ('branchId=""', f'branchId="{new_uuid()}"'), ('create="1"', 'update="1"'),
                               ("<label>Megan (20)</label>", "<label></label>"),
                               ('baseVersion=""', 'baseVersion="2"')))
    assert backlog_count(gateway) == 2

    gateway.alice.process_backlog(force=True)

    v = current(gateway, fresh)
    assert v["version"] == 1
    assert v["data"] == {"status": "arrived"}
    assert v["label"] == "auto generated"
    assert v["branchId"] == branch
    assert v["branchBaseVersion"] == 2
    assert_absent(v, "trunkVersion", "baseVersion")

    v = current(gateway, DDD)
    assert v["version"] == 1
    assert v["data"] == {"status": "new", "first_name": "Megan", "age": "20"}
    assert v["label"] == "auto generated"
    assert isinstance(v["branchId"], str) and UUID_RE.match(v["branchId"])
    assert v["branchBaseVersion"] == 2
    assert_absent(v, "trunkVersion", "baseVersion")

    assert backlog_count(gateway) == 0


def test_should_apply_an_entity_update_as_a_create_followed_by_another_update(gateway):
    setup(gateway)
    branch = new_uuid()
    fresh = new_uuid()

    submit(gateway, one_in_branch(branch, (f'id="{ABC}"', f'id="{fresh}"'),
                                  ('trunkVersion="1"', 'trunkVersion=""')))
    submit(gateway, js_replace(ONE, ("one", "one-update"), (f'id="{ABC}"', f'id="{fresh}"'),
                               ('branchId=""', f'branchId="{branch}"'), ('baseVersion="1"', 'baseVersion="2"'),
                               ('trunkVersion="1"', 'trunkVersion=""'),
                               ("<status>arrived</status>", "<name>Dana</name><status>checked in</status>")))
    assert backlog_count(gateway) == 2

    gateway.alice.process_backlog(force=True)

    v = current(gateway, fresh)
    assert v["version"] == 2
    assert v["data"] == {"status": "checked in", "first_name": "Dana"}
    assert v["label"] == "auto generated"
    assert v["branchId"] == branch
    assert v["baseVersion"] == 1
    assert v["branchBaseVersion"] == 2
    assert_absent(v, "trunkVersion")

    assert backlog_count(gateway) == 0

    # Much later in the same branch (many intermediate updates missing).
    submit(gateway, js_replace(ONE, ("one", "one-update10"), (f'id="{ABC}"', f'id="{fresh}"'),
                               ('branchId=""', f'branchId="{branch}"'), ('baseVersion="1"', 'baseVersion="10"'),
                               ('trunkVersion="1"', 'trunkVersion=""'),
                               ("<status>arrived</status>", "<name>Dana</name><status>registered</status>")))
    assert backlog_count(gateway) == 1

    gateway.alice.process_backlog(force=True)

    v = current(gateway, fresh)
    assert v["version"] == 3
    assert v["data"] == {"status": "registered", "first_name": "Dana"}
    assert v["label"] == "auto generated"
    assert v["branchId"] == branch
    assert v["baseVersion"] == 2
    assert v["branchBaseVersion"] == 10
    assert_absent(v, "trunkVersion")

    assert backlog_count(gateway) == 0


SPARSE_UPDATE = (("<status>new</status>", "<status>checked in</status>"), ("<label>Megan (20)</label>", ""),
                 ("<age>20</age>", ""), ("<name>Megan</name>", ""))


def test_should_apply_an_entity_update_as_a_create_and_then_properly_handle_the_delayed_create_as_an_update(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, two_as_update(branch, "two-update", "1", *SPARSE_UPDATE))
    assert backlog_count(gateway) == 1

    gateway.alice.process_backlog(force=True)

    body = entity(gateway, DDD)
    v = body["currentVersion"]
    assert v["version"] == 1
    assert v["data"] == {"status": "checked in"}
    assert v["label"] == "auto generated"
    assert v["branchId"] == branch
    assert v["branchBaseVersion"] == 1
    assert_absent(v, "baseVersion", "trunkVersion")
    assert body["conflict"] is None

    assert backlog_count(gateway) == 0

    # The create arrives late and is applied as an update.
    submit(gateway, TWO)

    body = entity(gateway, DDD)
    v = body["currentVersion"]
    assert v["version"] == 2
    assert v["data"] == {"age": "20", "status": "new", "first_name": "Megan"}
    assert body["conflict"] == "hard"
    assert v["baseVersion"] == 1
    assert_absent(v, "branchBaseVersion", "trunkVersion", "branchId")


def test_should_verify_that_the_create_as_update_submission_was_parsed_as_a_create_even_when_applied_as_an_update(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, two_as_update(branch, "two-update", "1", *SPARSE_UPDATE))
    gateway.alice.process_backlog(force=True)

    # The create lacks a label: an entity error even though it would be applied as an update.
    submit(gateway, js_replace(TWO, ("<label>Megan (20)</label>", "")))

    assert current(gateway, DDD)["version"] == 1
    logs = audits(gateway, "two")
    assert logs[0]["action"] == "entity.error"
    assert logs[0]["details"]["errorMessage"] == "Required parameter label missing."


# describe: force-processing held submissions > only force-process submissions held in backlog for a certain amount of time

def test_should_process_a_submission_from_over_7_days_ago(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, one_in_branch(branch, ('baseVersion="1"', 'baseVersion="2"')))
    assert backlog_count(gateway) == 1

    # In the past, but less than the default hold time.
    gateway.age_backlog(4 * DAY)
    assert gateway.alice.process_backlog() == 0
    assert backlog_count(gateway) == 1

    gateway.age_backlog(6 * DAY)

    # Follows the held one, but force-applying that one does not release this one.
    submit(gateway, one_in_branch(branch, ("one", "one-update"), ('baseVersion="1"', 'baseVersion="3"'),
                                  ("<status>arrived</status>", "<status>departed</status>")))
    assert backlog_count(gateway) == 2

    assert gateway.alice.process_backlog() == 1

    v = current(gateway, ABC)
    assert v["version"] == 2
    assert v["baseVersion"] == 1
    assert v["data"] == {"age": "22", "status": "arrived", "first_name": "Johnny"}
    assert v["branchId"] == branch
    assert v["trunkVersion"] == 1
    assert v["branchBaseVersion"] == 2

    assert backlog_count(gateway) == 1


# describe: force-processing held submissions > force-processing deleted submissions and entities

def test_should_not_process_a_submission_in_a_soft_deleted_form(gateway):
    setup(gateway)
    submit(gateway, one_in_branch(new_uuid(), ('baseVersion="1"', 'baseVersion="2"')))
    assert backlog_count(gateway) == 1

    gateway.alice.delete("/v1/projects/1/forms/offlineEntity").expect(200)

    assert gateway.alice.process_backlog(force=True) == 1
    assert current(gateway, ABC)["version"] == 1


def test_should_not_process_a_submission_that_has_been_soft_deleted(gateway):
    setup(gateway)
    submit(gateway, one_in_branch(new_uuid(), ('baseVersion="1"', 'baseVersion="2"')))
    assert backlog_count(gateway) == 1

    # Soft-delete through the database, as Central's test does.
    gateway.sql("UPDATE submissions SET deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE instance_id = 'one'")

    assert gateway.alice.process_backlog(force=True) == 1
    assert current(gateway, ABC)["version"] == 1


def test_should_not_process_a_submission_for_an_entity_that_has_been_soft_deleted(gateway):
    setup(gateway)
    submit(gateway, one_in_branch(new_uuid(), ('baseVersion="1"', 'baseVersion="2"')))
    assert backlog_count(gateway) == 1

    gateway.alice.delete(f"/v1/projects/1/datasets/people/entities/{ABC}").expect(200)

    assert gateway.alice.process_backlog(force=True) == 1
    assert backlog_count(gateway) == 0

    assert audits(gateway, "one")[0]["details"]["errorMessage"] == (
        "The entity with UUID (12345678-1234-4123-8234-123456789abc) has been deleted.")


# describe: conflict cases

def test_should_mark_an_update_that_is_not_contiguous_with_its_trunk_version_as_a_soft_conflict(gateway):
    setup(gateway)
    branch = new_uuid()
    patch_entity(gateway, ABC, "?baseVersion=1", {"data": {"age": "24"}})

    # Soft conflict (base is v1), no hard one: different properties.
    submit(gateway, one_in_branch(branch))
    # Does not conflict with its own branch, but the branch was interrupted by the API update.
    submit(gateway, one_in_branch(branch, ("one", "one-update2"), ('baseVersion="1"', 'baseVersion="2"'),
                                  ("<status>arrived</status>", "<age>26</age>")))

    assert conflicts(gateway, ABC) == [None, None, "soft", "soft"]
    assert entity(gateway, ABC)["conflict"] == "soft"


def test_should_mark_an_update_that_is_not_contiguous_due_to_force_processing_as_a_soft_conflict(gateway):
    setup(gateway)
    branch = new_uuid()

    submit(gateway, one_in_branch(branch, ("one", "one-update2"), ('baseVersion="1"', 'baseVersion="2"'),
                                  ("<status>arrived</status>", "<status>checked in</status>")))
    gateway.alice.process_backlog(force=True)

    # Applied at once; hard conflict with the force-applied one (both from v1, both change status).
    submit(gateway, one_in_branch(branch))
    assert entity(gateway, ABC)["conflict"] == "hard"

    # Fourth update (the third is missing), force-applied.
    submit(gateway, one_in_branch(branch, ("one", "one-update4"), ('baseVersion="1"', 'baseVersion="4"'),
                                  ("<status>arrived</status>", "<status>departed</status>")))
    gateway.alice.process_backlog(force=True)

    assert conflicts(gateway, ABC) == [None, None, "hard", "soft"]
    assert entity(gateway, ABC)["conflict"] == "hard"


def test_should_mark_an_update_that_is_not_contiguous_with_its_trunk_version_as_a_soft_conflict_on_entity_despite_earlier_conflict_resolution(gateway):
    setup(gateway)
    branch = new_uuid()
    patch_entity(gateway, ABC, "?baseVersion=1", {"data": {"age": "24"}})

    submit(gateway, one_in_branch(branch))
    assert entity(gateway, ABC)["conflict"] == "soft"

    patch_entity(gateway, ABC, "?resolve=true&baseVersion=3")

    submit(gateway, one_in_branch(branch, ("one", "one-update2"), ('baseVersion="1"', 'baseVersion="2"'),
                                  ("<status>arrived</status>", "<age>26</age>")))

    assert conflicts(gateway, ABC) == [None, None, "soft", "soft"]
    assert entity(gateway, ABC)["conflict"] == "soft"


def test_should_mark_an_update_that_is_not_contiguous_from_an_offline_create_branch_as_a_soft_conflict_on_entity_despite_earlier_conflict_resolution(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, TWO)
    patch_entity(gateway, DDD, "?baseVersion=1", {"data": {"age": "24"}})

    submit(gateway, js_replace(TWO, ("two", "two-update1"), ('branchId=""', f'branchId="{branch}"'),
                               ('create="1"', 'update="1"'), ('baseVersion=""', 'baseVersion="1"'),
                               ("<status>new</status>", "<status>arrived</status>")))
    assert entity(gateway, DDD)["conflict"] == "hard"

    patch_entity(gateway, DDD, "?resolve=true&baseVersion=3")

    submit(gateway, js_replace(TWO, ("two", "two-update2"), ('branchId=""', f'branchId="{branch}"'),
                               ('create="1"', 'update="1"'), ('baseVersion=""', 'baseVersion="2"'),
                               ("<status>new</status>", "<status>arrived</status>"), ("<age>20</age>", "<age>27</age>")))

    assert conflicts(gateway, DDD) == [None, None, "hard", "soft"]
    assert entity(gateway, DDD)["conflict"] == "soft"


def test_should_check_that_interrupting_version_logic_is_doesnt_flag_non_conflicts_as_conflicts(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, TWO)
    submit(gateway, js_replace(TWO, ("two", "two-update"), ('branchId=""', f'branchId="{branch}"'),
                               ('create="1"', 'update="1"'), ('baseVersion=""', 'baseVersion="1"'),
                               ("<status>new</status>", "<status>arrived</status>"), ("<age>20</age>", "<age>27</age>")))

    assert conflicts(gateway, DDD) == [None, None]
    assert entity(gateway, DDD)["conflict"] is None


def test_should_show_proper_conflict_info_on_create_applied_as_update(gateway):
    # Central issue c#815
    setup(gateway)
    branch = new_uuid()
    submit(gateway, two_as_update(branch, "two-update1", "1", ("<status>new</status>", "<status>checked in</status>"),
                                  ("<age>20</age>", "<age>22</age>"), ("<name>Megan</name>", ""),
                                  ("<label>Megan (20)</label>", "")))
    assert backlog_count(gateway) == 1

    gateway.alice.process_backlog(force=True)
    submit(gateway, TWO)

    assert entity(gateway, DDD)["conflict"] == "hard"
    versions = gateway.alice.versions(DDD)
    assert [v["conflict"] for v in versions] == [None, "hard"]
    assert versions[1]["conflictingProperties"] == ["status", "age", "label"]


def test_should_show_proper_conflict_info_on_create_applied_as_update_that_is_only_a_soft_conflict(gateway):
    setup(gateway)
    branch = new_uuid()
    submit(gateway, two_as_update(branch, "two-update1", "1"))
    assert backlog_count(gateway) == 1

    gateway.alice.process_backlog(force=True)
    submit(gateway, TWO)

    assert entity(gateway, DDD)["conflict"] == "soft"
    versions = gateway.alice.versions(DDD)
    assert [v["conflict"] for v in versions] == [None, "soft"]
    assert versions[1]["conflictingProperties"] == []


# describe: locking an entity while processing a related submission @slow

def test_should_concurrently_process_an_offline_create_update(gateway):
    # Central issue central#705. Central sends the two submissions one after the other and races
    # its workers; here the entity work is in the request, so the two requests themselves race.
    gateway.alice.publish(FORMS["offlineEntity"])

    def race() -> bool:
        entity_uuid = new_uuid()
        create = js_replace(TWO, ("two", new_uuid()), (DDD, entity_uuid))
        update = js_replace(TWO, ("two", new_uuid()), (DDD, entity_uuid), ('create="1"', 'update="1"'),
                            ('branchId=""', f'branchId="{new_uuid()}"'), ('baseVersion=""', 'baseVersion="1"'))
        statuses = []

        def send(xml):
            client = Client(gateway.base, gateway.tokens["alice"])
            statuses.append(client.post("/v1/projects/1/forms/offlineEntity/submissions", xml=xml).status)

        threads = [threading.Thread(target=send, args=(xml,)) for xml in (create, update)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200, 200]
        body = gateway.alice.entity(entity_uuid)
        return body["currentVersion"]["version"] == 2 and backlog_count(gateway) == 0

    successes = sum(1 for _ in range(50) if race())
    assert successes == 50


# describe: miscellaneous

def test_should_handle_two_updates_followed_by_delayed_create(gateway):
    # Central issue c#808
    setup(gateway)
    branch = new_uuid()
    # Central's replace of '<status>checked in</status>' finds nothing in this fixture; kept as is.
    submit(gateway, two_as_update(branch, "two-update2", "2", ("<status>checked in</status>", "<status>working</status>")))
    submit(gateway, two_as_update(branch, "two-update1", "1", ("<status>new</status>", "<status>checked in</status>")))
    assert backlog_count(gateway) == 2

    gateway.alice.process_backlog(force=True)
    submit(gateway, TWO)

    assert audits(gateway, "two")[0]["action"] == "entity.update.version"


def test_should_handle_update_from_sub_and_update_from_api_followed_by_delayed_create(gateway):
    # Central issue c#810
    setup(gateway)
    branch = new_uuid()
    submit(gateway, two_as_update(branch, "two-update1", "1", ("<status>new</status>", "<status>checked in</status>")))
    assert backlog_count(gateway) == 1

    gateway.alice.process_backlog(force=True)
    patch_entity(gateway, DDD, "?baseVersion=1", {"data": {"age": "24"}})
    submit(gateway, TWO)

    assert audits(gateway, "two")[0]["action"] == "entity.update.version"
