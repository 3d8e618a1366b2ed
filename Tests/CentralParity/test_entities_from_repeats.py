"""Port of Central's test/integration/api/entities-from-repeats.js."""

import re
import uuid as uuidlib

from conftest import FORMS, INSTANCES

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
INCOMPATIBLE = ("Entities specification version [2024.1.0] is not compatible with entities from repeats "
                "or multiple entity lists.  Please use version 2025.1.0 or later.")


def check_dataset(body, name, source_forms, properties):
    """Central's dataset detail assertions: fixed fields, source forms, properties in order."""
    rest = {k: v for k, v in body.items() if k not in (
        "createdAt", "linkedForms", "properties", "sourceForms", "lastUpdate",
        "draftLinkedForms", "draftSourceForms")}
    assert rest == {"name": name, "projectId": 1, "approvalRequired": False,
                    "ownerOnly": False, "deletedAt": None}
    assert body["createdAt"] is not None
    assert ISO.match(body["lastUpdate"] or ""), body.get("lastUpdate")
    assert body["linkedForms"] == []
    assert body["draftLinkedForms"] == []
    assert body["draftSourceForms"] == []
    assert body["sourceForms"] == source_forms
    stripped = []
    for p in body["properties"]:
        p = dict(p)
        assert ISO.match(p.pop("publishedAt") or "")
        stripped.append(p)
    assert stripped == properties


def prop(name, form_name, form_id):
    return {"name": name, "odataName": name, "forms": [{"name": form_name, "xmlFormId": form_id}]}


# describe: validating entities-spec version for entities from repeats and multi-entities

def test_should_reject_multiple_datasets_declared_in_2025_1_version(gateway):
    # it('should reject multiple datasets declared in <2025.1 version')
    r = gateway.alice.post("/v1/projects/1/forms?publish=true",
                           xml=FORMS["multiEntityFarm"].replace("2025.1.0", "2024.1.0")).expect(400)
    assert r.body["code"] == 400.25
    assert r.body["details"]["reason"] == INCOMPATIBLE


def test_should_reject_entities_from_repeats_in_2025_1_version(gateway):
    # it('should reject entities from repeats in <2025.1 version')
    r = gateway.alice.post("/v1/projects/1/forms?publish=true",
                           xml=FORMS["repeatEntityTrees"].replace("2025.1.0", "2024.1.0")).expect(400)
    assert r.body["code"] == 400.25
    assert r.body["details"]["reason"] == INCOMPATIBLE


SAVETO_IN_REPEAT_ENTITY_OUTSIDE = """
        <?xml version="1.0"?>
        <h:html xmlns="http://www.w3.org/2002/xforms" xmlns:entities="http://www.opendatakit.org/xforms/entities" xmlns:ev="http://www.w3.org/2001/xml-events" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" xmlns:odk="http://www.opendatakit.org/xforms" xmlns:orx="http://openrosa.org/xforms" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
          <h:head>
            <h:title>Repeat Children Entities</h:title>
            <model entities:entities-version="2025.1.0" odk:xforms-version="1.0.0">
              <instance>
                <data id="repeat_entity" version="1">
                  <num_children/>
                  <children>
                    <child jr:template="">
                      <child_name/>
                      <possessions>
                        <toys jr:template="">
                          <toy/>
                        </toys>
                      </possessions>
                    </child>
                  </children>
                  <meta>
                    <instanceID/>
                    <instanceName/>
                    <entity create="1" dataset="children" id="">
                      <label/>
                    </entity>
                  </meta>
                </data>
              </instance>
              <bind nodeset="/data/num_children" type="int"/>
              <bind nodeset="/data/children/child/child_name" type="string"/>
              <bind entities:saveto="toy_name" nodeset="/data/children/child/possessions/toys/toy" type="string"/>
              <bind jr:preload="uid" nodeset="/data/meta/instanceID" readonly="true()" type="string"/>
              <bind calculate=" /data/num_children " nodeset="/data/meta/instanceName" type="string"/>
              <bind calculate="1" nodeset="/data/meta/entity/@create" readonly="true()" type="string"/>
              <bind nodeset="/data/meta/entity/@id" readonly="true()" type="string"/>
              <setvalue event="odk-instance-first-load" readonly="true()" ref="/data/meta/entity/@id" type="string" value="uuid()"/>
              <bind calculate="concat(&quot;Num children:&quot;,  /data/num_children )" nodeset="/data/meta/entity/label" readonly="true()" type="string"/>
            </model>
          </h:head>
          <h:body>
            <input ref="/data/num_children">
              <label>Num Children</label>
            </input>
            <group ref="/data/children">
              <label>Children</label>
              <group ref="/data/children/child">
                <label>Child</label>
                <repeat nodeset="/data/children/child">
                  <input ref="/data/children/child/child_name">
                    <label>Child Name</label>
                  </input>
                  <group ref="/data/children/child/possessions">
                    <label>Posessions</label>
                    <group ref="/data/children/child/possessions/toys">
                      <label>Toys</label>
                      <repeat nodeset="/data/children/child/possessions/toys">
                        <input ref="/data/children/child/possessions/toys/toy">
                          <label>Toy</label>
                        </input>
                      </repeat>
                    </group>
                  </group>
                </repeat>
              </group>
            </group>
          </h:body>
        </h:html>"""


def test_should_reject_form_with_save_tos_on_repeat_but_entity_declaration_outside_of_a_repeat(gateway):
    r = gateway.alice.post("/v1/projects/1/forms?publish=true", xml=SAVETO_IN_REPEAT_ENTITY_OUTSIDE).expect(400)
    assert r.body["code"] == 400.25
    assert r.body["details"]["reason"] == "Cannot save properties from a repeat on an entity outside of a repeat."


# describe: submitting forms and submissions

def test_should_send_form_and_submission_that_collects_entities_for_multiple_trees_in_a_repeat_group(gateway):
    gateway.alice.publish(FORMS["repeatEntityTrees"])
    gateway.alice.submit("repeatEntityTrees", INSTANCES["repeatEntityTrees"]["one"])


def test_should_send_form_and_submission_that_collects_entities_about_household_and_multiple_people(gateway):
    gateway.alice.publish(FORMS["repeatEntityHousehold"])
    gateway.alice.submit("repeatEntityHousehold", INSTANCES["repeatEntityHousehold"]["one"])


def test_should_send_form_and_submission_about_two_entities_at_different_levels_farm_and_farmer(gateway):
    gateway.alice.publish(FORMS["multiEntityFarm"])
    gateway.alice.submit("multiEntityFarm", INSTANCES["multiEntityFarm"]["one"])


# describe: assigning properties to the individual datasets

def test_should_assign_properties_to_dataset_trees_in_a_repeat_group(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityTrees"])
    body = a.get("/v1/projects/1/datasets/trees").expect(200).body
    f = ("Repeat Trees", "repeatEntityTrees")
    check_dataset(body, "trees", [{"name": f[0], "xmlFormId": f[1], "repeatPath": "/tree/"}],
                  [prop("species", *f), prop("circumference", *f)])


def test_should_assign_properties_to_households_and_people_datasets_at_parent_and_child_repeat_levels(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityHousehold"])
    f = ("Household and people", "repeatEntityHousehold")
    check_dataset(a.get("/v1/projects/1/datasets/households").expect(200).body, "households",
                  [{"name": f[0], "xmlFormId": f[1]}], [prop("hh_id", *f), prop("count", *f)])
    check_dataset(a.get("/v1/projects/1/datasets/people").expect(200).body, "people",
                  [{"name": f[0], "xmlFormId": f[1], "repeatPath": "/members/person/"}],
                  [prop("full_name", *f), prop("age", *f)])


def test_should_assign_properties_to_farm_and_farmer_datasets_at_different_levels(gateway):
    a = gateway.alice
    a.publish(FORMS["multiEntityFarm"])
    f = ("Farms and Farmers - Multi Level Entities", "multiEntityFarm")
    check_dataset(a.get("/v1/projects/1/datasets/farms").expect(200).body, "farms",
                  [{"name": f[0], "xmlFormId": f[1]}],
                  [prop("farm_id", *f), prop("geometry", *f), prop("acres", *f)])
    check_dataset(a.get("/v1/projects/1/datasets/farmers").expect(200).body, "farmers",
                  [{"name": f[0], "xmlFormId": f[1]}], [prop("full_name", *f), prop("age", *f)])


# describe: processing submissions

def test_should_process_a_submission_with_two_entities_in_it_at_different_levels(gateway):
    a = gateway.alice
    a.publish(FORMS["multiEntityFarm"])
    a.submit("multiEntityFarm", INSTANCES["multiEntityFarm"]["one"])
    assert len(a.entities("farms")) == 1
    assert len(a.entities("farmers")) == 1
    farm = a.entity("94ca23e4-6050-4699-97cc-2588ca6c1a0e", "farms")
    assert farm["currentVersion"]["data"] == {"farm_id": "123", "acres": "30", "geometry": "36.999194 -121.333626 0 0"}
    assert farm["currentVersion"]["label"] == "Farm 123"
    farmer = a.entity("fcdb2759-69ef-4b47-b7fd-75170d326c80", "farmers")
    assert farmer["currentVersion"]["data"] == {"full_name": "Barb", "age": "53"}
    assert farmer["currentVersion"]["label"] == "Farmer Barb"


def test_should_process_a_submission_with_entity_repeats(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityTrees"])
    a.submit("repeatEntityTrees", INSTANCES["repeatEntityTrees"]["one"])
    pine = a.entity("f73ea0a0-f51f-4d13-a7cb-c2123ba06f34", "trees")
    assert pine["currentVersion"]["data"] == {"species": "pine", "circumference": "12"}
    assert pine["currentVersion"]["label"] == "Pine"
    oak = a.entity("090c56ff-25f4-4503-b760-f6bef8528152", "trees")
    assert oak["currentVersion"]["data"] == {"species": "oak", "circumference": "13"}
    assert oak["currentVersion"]["label"] == "Oak"


def test_should_process_a_submission_with_entity_and_entity_repeats(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityHousehold"])
    a.submit("repeatEntityHousehold", INSTANCES["repeatEntityHousehold"]["one"])
    hh = a.entity("bdee1a6e-060c-47b7-9436-19296b0ded04", "households")
    assert hh["currentVersion"]["data"] == {"hh_id": "1", "count": "3"}
    assert hh["currentVersion"]["label"] == "Household:1"
    for uuid, age, name in [("04f22514-654d-46e6-9d94-41676a5c97e1", "35", "parent1"),
                            ("3b082d6c-dcc8-4d42-9fe3-a4e4e5f1bb0a", "37", "parent2"),
                            ("33bc1b45-ab0e-4652-abcf-90926b6dc0a3", "12", "child1")]:
        person = a.entity(uuid, "people")
        assert person["currentVersion"]["data"] == {"age": age, "full_name": name}
        assert person["currentVersion"]["label"] == name


def test_should_process_a_submission_with_entities_in_two_levels_of_repeat_groups(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityNested"])
    a.submit("repeatEntityNested", INSTANCES["repeatEntityNested"]["one"])
    plots = a.entities("plots")
    assert len(plots) == 2
    assert [e["currentVersion"]["label"] for e in plots] == ["Plot 333: apples", "Plot 123: cherries"]
    trees = a.entities("trees")
    assert len(trees) == 4
    assert [e["currentVersion"]["label"] for e in trees] == ["Tree pink lady", "Tree gala", "Tree rainier", "Tree bing"]


def test_should_process_a_submission_with_entity_declared_in_a_repeat_group(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityGroup"])
    a.submit("repeatEntityGroup", INSTANCES["repeatEntityGroup"]["one"])
    trees = a.entities("trees")
    assert len(trees) == 2
    assert [e["currentVersion"]["label"] for e in trees] == ["Tree kumquat", "Tree fig"]


def test_should_process_a_submission_with_repeat_entities_that_update_and_create(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityTrees"])
    a.submit("repeatEntityTrees", INSTANCES["repeatEntityTrees"]["one"])
    a.submit("repeatEntityTrees", INSTANCES["repeatEntityTrees"]["two"])
    pine = a.entity("f73ea0a0-f51f-4d13-a7cb-c2123ba06f34", "trees")
    assert pine["currentVersion"]["version"] == 2
    assert pine["currentVersion"]["label"] == "Pine - Updated"
    chestnut = a.entity("f50cdbaf-95af-499c-a3e5-d0aea64248d9", "trees")
    assert chestnut["currentVersion"]["version"] == 1
    assert chestnut["currentVersion"]["label"] == "Chestnut"


# describe: errors, entity sources and backlog

def test_should_assign_the_same_entity_source_to_multiple_entities_created_by_the_same_submission(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityTrees"])
    a.submit("repeatEntityTrees", INSTANCES["repeatEntityTrees"]["one"])
    s1 = a.versions("f73ea0a0-f51f-4d13-a7cb-c2123ba06f34", "trees")[0]["source"]
    s2 = a.versions("090c56ff-25f4-4503-b760-f6bef8528152", "trees")[0]["source"]
    assert s1["submission"]["instanceId"] == s2["submission"]["instanceId"] == "one"
    # Ours: no entity_def_sources table; the shared source is also the same triggering event.
    assert s1["event"] == s2["event"]


def test_should_not_make_an_entity_def_source_record_or_make_any_entities_if_one_has_an_error(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityTrees"])
    a.submit("repeatEntityTrees", INSTANCES["repeatEntityTrees"]["one"].replace(
        'id="090c56ff-25f4-4503-b760-f6bef8528152"', 'id="invaliduuid"'))
    audits = a.submission_audits("repeatEntityTrees", "one")
    assert audits[0]["action"] == "entity.error"
    # Ours: Central counts entity_def_sources rows (0); our equivalent is no entity version at all.
    assert gateway.sql("SELECT count(*) FROM entity_versions")[0][0] == 0
    assert len(a.entities("trees")) == 0


def test_should_log_an_error_when_one_of_multiple_entities_fails(gateway):
    sub = """<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="repeatEntityTrees" version="1">
      <plot_id>1</plot_id>
      <tree>
        <species>pine</species>
        <circumference>12</circumference>
        <meta>
          <entity dataset="trees" create="1" id="f73ea0a0-f51f-4d13-a7cb-c2123ba06f34">
            <label>Pine</label>
          </entity>
        </meta>
      </tree>
      <tree>
        <species>oak</species>
        <circumference>13</circumference>
        <meta>
          <entity dataset="trees" create="1" id="090c56ff-25f4-4503-b760-f6bef8528152">
          </entity>
        </meta>
      </tree>
      <tree>
        <species>maple</species>
        <circumference>14</circumference>
        <meta>
          <entity dataset="trees" create="1" id="invalid-uuid">
            <label>Maple</label>
          </entity>
        </meta>
      </tree>
      <meta>
        <instanceID>one</instanceID>
      </meta>
    </data>"""
    a = gateway.alice
    a.publish(FORMS["repeatEntityTrees"])
    a.submit("repeatEntityTrees", sub)
    audit = a.submission_audits("repeatEntityTrees", "one")[0]
    assert audit["action"] == "entity.error"
    details = audit["details"]
    assert details["problem"]["problemCode"] == 400.43
    message = details["errorMessage"]
    assert "Failed to process 3 entities in submission due to 2 errors" in message
    assert "(Entity 2) Required parameter label missing" in message
    assert "(Entity 3) Invalid input data type: expected (uuid)" in message
    problem_details = details["problem"]["problemDetails"]
    assert problem_details["count"] == 2 and problem_details["total"] == 3
    errors = problem_details["errors"]
    assert len(errors) == 2
    assert errors[0]["problem"]["problemCode"] == 400.2
    assert errors[1]["problem"]["problemCode"] == 400.11


def test_should_note_what_happens_when_two_entities_hold_submission_into_backlog(gateway):
    sub = """<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="repeatEntityTrees" version="1">
        <plot_id>1</plot_id>
        <tree>
          <circumference>13</circumference>
          <meta>
            <entity dataset="trees" update="1" id="f73ea0a0-f51f-4d13-a7cb-c2123ba06f34" baseVersion="1" trunkVersion="" branchId="b8dd7e1f-fbfc-4b60-8f0a-b05f3dc468dc">
              <label>Pine - Updated</label>
            </entity>
          </meta>
        </tree>
        <tree>
          <species>chestnut</species>
          <circumference>22</circumference>
          <meta>
            <entity dataset="trees" update="1" id="f50cdbaf-95af-499c-a3e5-d0aea64248d9" baseVersion="1" trunkVersion="" branchId="6c5bdd48-568e-4735-810a-f881f45cf0fe">
              <label>Chestnut - Updated</label>
            </entity>
          </meta>
        </tree>
        <meta>
          <instanceID>three</instanceID>
        </meta>
      </data>"""
    a = gateway.alice
    a.publish(FORMS["repeatEntityTrees"])
    a.submit("repeatEntityTrees", sub)
    audits = a.submission_audits("repeatEntityTrees", "three")
    assert audits[0]["action"] == "submission.backlog.hold"
    assert audits[1]["action"] == "submission.backlog.hold"
    assert len(a.entities("trees")) == 0
    # Ours: Central counts one orphan entity_def_sources row; our equivalent is two held backlog rows
    # (one per held entity block, per the contract) for the one submission.
    held = a.backlog()
    assert len(held) == 2 and {h["instanceId"] for h in held} == {"three"}
    a.process_backlog(force=True)
    trees = a.entities("trees")
    assert len(trees) == 2
    # Central: the one source row now names submission 'three' and is forceProcessed.
    sources = [a.versions(e["uuid"], "trees")[0]["source"] for e in trees]
    for s in sources:
        assert s["submission"]["instanceId"] == "three"
    assert sources[0]["event"] == sources[1]["event"]
    # (Central's forceProcessed flag on that row is not exposed over the API; not asserted.)


def test_should_note_behavior_when_one_entity_in_a_submission_causes_entire_submission_to_be_held_in_backlog(gateway):
    a = gateway.alice
    a.publish(FORMS["repeatEntityTrees"])
    branch = str(uuidlib.uuid4())
    a.submit("repeatEntityTrees", INSTANCES["repeatEntityTrees"]["two"].replace(
        'trunkVersion="" branchId=""', f'trunkVersion="" branchId="{branch}"'))
    audits = a.submission_audits("repeatEntityTrees", "two")
    assert audits[0]["action"] == "entity.create"
    assert audits[1]["action"] == "submission.backlog.hold"
    assert len(a.entities("trees")) == 1
    a.process_backlog(force=True)
    audits = a.submission_audits("repeatEntityTrees", "two")
    assert audits[0]["action"] == "submission.backlog.force"
    assert len(a.entities("trees")) == 1
