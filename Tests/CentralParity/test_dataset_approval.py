"""Port of the approval and `convert` parts of Central's test/integration/api/datasets.js:
describe 'PATCH /datasets/:name', describe 'central issue #547, ...', and the manifest it()
about approvalEntityList."""

import re

from conftest import FORMS, INSTANCES

SIMPLE_ONE = INSTANCES["simpleEntity"]["one"]
NO_LABEL = SIMPLE_ONE.replace("<entities:label>Alice (88)</entities:label>", "")
ABC = "12345678-1234-4123-8234-123456789abc"


def require_approval(client, value=True, query=""):
    return client.patch(f"/v1/projects/1/datasets/people{query}", json={"approvalRequired": value})


def last_dataset_update(client):
    body = client.get("/v1/audits?action=dataset.update&limit=1").expect(200).body
    assert len(body) == 1
    return body[0]


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def assert_audit(log):
    """Central's should.be.an.Audit() (test/assertions.js)."""
    for key in ("actorId", "action", "acteeId", "details", "loggedAt"):
        assert key in log, key
    assert isinstance(log["actorId"], int)
    assert isinstance(log["action"], str)
    if log["acteeId"] is not None:
        assert isinstance(log["acteeId"], str) and UUID.match(log["acteeId"]), log["acteeId"]
    assert ISO.match(log["loggedAt"])
    for key in ("claimed", "processed", "lastFailure", "failures"):
        assert key not in log, key


def assert_submission(sub):
    """Central's should.be.a.Submission() (test/assertions.js), without SubmissionDef's details."""
    for key in ("instanceId", "createdAt", "updatedAt", "submitterId", "currentVersion", "userAgent"):
        assert key in sub, key
    assert isinstance(sub["instanceId"], str)
    assert isinstance(sub["submitterId"], int)
    assert ISO.match(sub["createdAt"])
    assert isinstance(sub["currentVersion"], dict)


def actions(logs):
    return [log["action"] for log in logs]


# describe: GET /forms/:id/manifest (datasets.js line 3314)

def test_should_return_approvalentitylist_as_the_type_attribute_of_mediafile_for_datasets_that_require_approval(gateway):
    a = gateway.alice
    a.post("/v1/projects/1/datasets", json={"name": "people", "approvalRequired": True}).expect(200)
    csv = a.get("/v1/projects/1/datasets/people/entities.csv").expect(200)
    assert "ETag" in csv.headers  # Central uses it as the manifest hash
    etag = csv.headers["ETag"]
    # Ours: Central's fixture has a bare `&` in its title, which Central's lenient parser takes and we refuse
    # as not well-formed (README, deliberate differences); the same form with the `&` escaped is sent.
    a.publish(FORMS["consumeDatasets"].replace("People & Trees", "People &amp; Trees"))
    r = a.get("/v1/projects/1/forms/consumeDatasets/manifest", headers={"X-OpenRosa-Version": "1.0"}).expect(200)
    domain = gateway.base  # Central's config default.env.domain
    assert r.text == f"""<?xml version="1.0" encoding="UTF-8"?>
  <manifest xmlns="http://openrosa.org/xforms/xformsManifest">
    <mediaFile type="approvalEntityList">
      <filename>people.csv</filename>
      <hash>md5:{etag.replace('"', '')}</hash>
      <downloadUrl>{domain}/v1/projects/1/forms/consumeDatasets/attachments/people.csv</downloadUrl>
      <integrityUrl>{domain}/v1/projects/1/datasets/people/integrity</integrityUrl>
    </mediaFile>
  </manifest>"""


# describe: PATCH /datasets/:name

def test_should_return_notfound_if_the_dataset_does_not_exist(gateway):
    gateway.alice.patch("/v1/projects/1/datasets/nonexistent").expect(404)


def test_should_reject_if_the_user_cannot_read(gateway):
    gateway.alice.publish(FORMS["simpleEntity"])
    gateway.chelsea.patch("/v1/projects/1/datasets/people").expect(403)


def test_should_allow_updating_settings(gateway):
    # ownerOnly is out of scope here (another issue adds it); the approvalRequired half is Central's.
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    assert a.get("/v1/projects/1/datasets/people").expect(200).body["approvalRequired"] is False
    body = require_approval(a, True).expect(200).body
    assert body["approvalRequired"] is True


def test_should_disallow_writing_changing_dataset_name(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    a.patch("/v1/projects/1/datasets/people", json={"approvalRequired": True, "name": "frogs"}).expect(200)
    a.get("/v1/projects/1/datasets/frogs").expect(404)
    assert a.get("/v1/projects/1/datasets/people").expect(200).body["name"] == "people"


def test_should_return_bad_request_if_value_of_convert_query_param_is_invalid(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    r = require_approval(a, True, "?convert=dummy").expect(400)
    assert r.body["code"] == 400.8


def test_should_return_warning_for_approvalrequired_if_there_are_pending_submissions(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", SIMPLE_ONE)
    a.review("simpleEntity", "one", "approved")
    a.submit("simpleEntity", INSTANCES["simpleEntity"]["two"])
    r = require_approval(a, False).expect(400)
    assert r.body["code"] == 400.29
    assert r.body["details"]["count"] == 1


def test_should_update_dataset_when_pending_submissions_are_draft_or_deleted(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", SIMPLE_ONE)
    a.post("/v1/projects/1/forms/simpleEntity/draft").expect(200)
    a.post("/v1/projects/1/forms/simpleEntity/draft/submissions", xml=INSTANCES["simpleEntity"]["two"]).expect(200)
    a.delete("/v1/projects/1/forms/simpleEntity").expect(200)
    require_approval(a, False).expect(200)


def test_should_not_convert_draft_submissions(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.post("/v1/projects/1/forms/simpleEntity/draft").expect(200)
    a.post("/v1/projects/1/forms/simpleEntity/draft/submissions", xml=SIMPLE_ONE).expect(200)
    require_approval(a, False, "?convert=true").expect(200)
    assert a.entities() == []


def test_should_update_approvalrequired_without_automatic_conversions(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", SIMPLE_ONE)
    assert require_approval(a, False, "?convert=false").expect(200).body["approvalRequired"] is False
    assert a.entities() == []
    assert last_dataset_update(a)["details"] == {"data": {"approvalRequired": False}, "autoConvert": False}


def test_should_automatically_convert_pending_submissions(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", SIMPLE_ONE)
    a.submit("simpleEntity", INSTANCES["simpleEntity"]["two"])
    assert len(a.entities()) == 0
    assert require_approval(a, False, "?convert=true").expect(200).body["approvalRequired"] is False
    assert len(a.entities()) == 2
    assert last_dataset_update(a)["details"] == {"data": {"approvalRequired": False}, "autoConvert": True}
    logs = a.get(f"/v1/projects/1/datasets/people/entities/{ABC}/audits").expect(200).body
    log = logs[0]
    assert_audit(log)
    assert log["action"] == "entity.create"
    assert log["actor"]["displayName"] == "Alice"
    submission = log["details"]["source"]["submission"]
    assert_submission(submission)
    assert submission["xmlFormId"] == "simpleEntity"
    assert submission["currentVersion"]["instanceName"] == "one"
    assert submission["currentVersion"]["submitter"]["displayName"] == "Alice"


def test_should_not_convert_deleted_submissions(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", SIMPLE_ONE)
    assert len(a.entities()) == 0
    a.delete("/v1/projects/1/forms/simpleEntity").expect(200)
    assert require_approval(a, False, "?convert=true").expect(200).body["approvalRequired"] is False
    assert len(a.entities()) == 0


def test_should_log_error_if_there_is_a_problem_in_a_submission_while_auto_converting(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", NO_LABEL)
    a.submit("simpleEntity", INSTANCES["simpleEntity"]["two"])
    a.submit("simpleEntity", INSTANCES["simpleEntity"]["three"].replace('create="1"', 'create="0"'))
    assert len(a.entities()) == 0
    assert require_approval(a, False, "?convert=true").expect(200).body["approvalRequired"] is False
    assert len(a.entities()) == 1
    errors = a.get("/v1/audits?action=entity.error").expect(200).body
    assert len(errors) == 1
    assert "Required parameter label missing" in errors[0]["details"]["errorMessage"]


def test_should_use_latest_version_of_submission_in_pending_submissions(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", SIMPLE_ONE)
    a.edit("simpleEntity", "one", SIMPLE_ONE
           .replace('id="uuid:12345678-1234-4123-8234-123456789abc"', 'id="uuid:12345678-1234-4123-8234-123456789bbb"')
           .replace("<instanceID>one", "<deprecatedID>one</deprecatedID><instanceID>one2"))
    assert require_approval(a, False, "?convert=true").expect(200).body["approvalRequired"] is False
    body = a.entities()
    assert len(body) == 1
    assert body[0]["uuid"] == "12345678-1234-4123-8234-123456789bbb"


def test_should_use_latest_version_of_submission_updated_to_not_create_entity_in_pending_submissions(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", SIMPLE_ONE)
    a.edit("simpleEntity", "one", SIMPLE_ONE.replace('create="1"', 'create="0"')
           .replace("<instanceID>one", "<deprecatedID>one</deprecatedID><instanceID>one2"))
    assert require_approval(a, False, "?convert=true").expect(200).body["approvalRequired"] is False
    assert len(a.entities()) == 0


def test_should_do_something_reasonable_with_pending_submissions_when_they_contain_entity_updates(gateway):
    a = gateway.alice
    three = INSTANCES["updateEntity"]["three"]
    a.publish(FORMS["updateEntity"])
    require_approval(a, True).expect(200)
    a.post("/v1/projects/1/datasets/people/entities", json={
        "uuid": ABC, "label": "Johnny Doe", "data": {"first_name": "Johnny", "age": "22"}}).expect(200)
    a.publish(FORMS["simpleEntity"])
    a.submit("simpleEntity", INSTANCES["simpleEntity"]["two"])
    a.submit("updateEntity", three)  # an update: not gated by approval
    person = a.entity(ABC)
    assert person["currentVersion"]["data"]["age"] == "55"
    assert person["currentVersion"]["version"] == 2
    a.get("/v1/projects/1/datasets/people/entities/12345678-1234-4123-8234-123456789aaa").expect(404)
    a.submit("updateEntity", three.replace("<instanceID>three</instanceID>", "<instanceID>four</instanceID>")
             .replace("<age>55</age>", "<age>66</age>"))
    a.submit("updateEntity", three.replace("<instanceID>three</instanceID>", "<instanceID>five</instanceID>")
             .replace("<age>55</age>", "<age>77</age>"))
    r = require_approval(a, False).expect(400)
    assert r.body["code"] == 400.29
    # Ours: Central counts 3 (its worker has not yet read 'four' and 'five'); entity work is
    # synchronous here, so those updates are already applied and only the create 'two' is pending.
    assert r.body["details"]["count"] == 1
    assert require_approval(a, False, "?convert=true").expect(200).body["approvalRequired"] is False
    a.submit("updateEntity", three.replace("<instanceID>three</instanceID>", "<instanceID>six</instanceID>")
             .replace("<age>55</age>", "<age>888</age>"))
    # Central then lists its unprocessed audits (a state only observable before its worker runs);
    # here we check the end state only.
    logs = a.get(f"/v1/projects/1/datasets/people/entities/{ABC}/audits").expect(200).body
    updates = [log["details"] for log in logs if log["action"] == "entity.update.version"]
    assert len(updates) == 4
    assert len([d for d in updates if d["source"]["event"]["action"] == "submission.create"]) == 4
    assert [d["source"]["submission"]["instanceId"] for d in updates] == ["six", "five", "four", "three"]
    logs = a.get("/v1/projects/1/datasets/people/entities/12345678-1234-4123-8234-123456789aaa/audits").expect(200).body
    assert logs[0]["action"] == "entity.create"
    assert logs[0]["details"]["source"]["submission"]["xmlFormId"] == "simpleEntity"
    assert logs[0]["details"]["source"]["submission"]["instanceId"] == "two"
    assert logs[0]["details"]["source"]["event"]["action"] == "submission.create"
    # Central's last check (entity_def_sources.details.parentEventId is the dataset.update audit)
    # reads a column we do not expose; not asserted.


# describe: central issue #547, reprocessing submissions that had previous entity errors

def test_should_not_reprocess_submission_that_previously_generated_entity_error(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", NO_LABEL)
    a.review("simpleEntity", "one", "approved")
    logs = a.submission_audits("simpleEntity", "one")
    assert actions(logs).count("entity.error") == 1
    a.review("simpleEntity", "one", "hasIssues")
    require_approval(a, False, "?convert=true").expect(200)
    logs = a.submission_audits("simpleEntity", "one")
    assert actions(logs).count("entity.error") == 1
    assert actions(logs) == ["submission.update", "entity.error", "submission.update", "submission.create"]


def test_should_reprocess_submission_that_was_edited_after_previously_generating_entity_error(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", NO_LABEL)
    a.review("simpleEntity", "one", "approved")
    assert actions(a.submission_audits("simpleEntity", "one")).count("entity.error") == 1
    a.edit("simpleEntity", "one", SIMPLE_ONE.replace("<instanceID>one", "<deprecatedID>one</deprecatedID><instanceID>one2"))
    # Central reads Datasets.getUnprocessedSubmissions (1); our nearest equivalent is the
    # 400.29 warning's count, which changes nothing.
    r = require_approval(a, False).expect(400)
    assert r.body["code"] == 400.29 and r.body["details"]["count"] == 1
    require_approval(a, False, "?convert=true").expect(200)
    body = a.entities()
    assert len(body) == 1
    assert body[0]["uuid"] == ABC
    logs = a.submission_audits("simpleEntity", "one")
    assert actions(logs).count("entity.error") == 1
    assert actions(logs) == ["entity.create", "submission.update.version", "entity.error",
                             "submission.update", "submission.create"]


def test_should_not_reprocessed_an_update_caught_up_in_the_pending_submission_scenario(gateway):
    a = gateway.alice
    a.publish(FORMS["simpleEntity"])
    a.publish(FORMS["updateEntity"])
    require_approval(a, True).expect(200)
    a.submit("simpleEntity", SIMPLE_ONE)
    a.submit("updateEntity", INSTANCES["updateEntity"]["one"])
    assert a.submission_audits("updateEntity", "one")[0]["action"] == "entity.error"
    a.get(f"/v1/projects/1/datasets/people/entities/{ABC}").expect(404)
    require_approval(a, False, "?convert=true").expect(200)
    assert a.submission_audits("updateEntity", "one")[0]["action"] == "entity.error"
    assert len(a.versions(ABC)) == 1
    a.submit("updateEntity", INSTANCES["updateEntity"]["one"]
             .replace("<instanceID>one", "<deprecatedID>one</deprecatedID><instanceID>one2"))
    assert len(a.versions(ABC)) == 2
    logs = a.get(f"/v1/projects/1/datasets/people/entities/{ABC}/audits").expect(200).body
    assert logs[0]["details"]["source"]["submission"]["instanceId"] == "one2"
    assert a.submission_audits("updateEntity", "one2")[0]["action"] == "entity.update.version"


def test_ours_a_form_that_is_not_well_formed_is_refused_and_nothing_is_stored(gateway):
    # Deliberate (README): Central publishes its own consumeDatasets fixture, bare `&` and all; a document
    # that is not XML may be refused by strict parsers on phones, so we answer 400.1 and keep nothing.
    a = gateway.alice
    r = a.post("/v1/projects/1/forms?publish=true", xml=FORMS["consumeDatasets"]).expect(400)
    assert r.body["code"] == 400.1
    a.get("/v1/projects/1/forms/consumeDatasets").expect(404)
