"""Central's shared test set-ups (testEntities, testEntityUpdates in entities.js) and the extended-metadata client."""

from conftest import FORMS, INSTANCES

PEOPLE = "/v1/projects/1/datasets/people"
ALICE_UUID = "12345678-1234-4123-8234-123456789abc"


def with_entities(gw):
    """Central's testEntities: simpleEntity published, approval required, `one` and `two` submitted and approved."""
    gw.alice.publish(FORMS["simpleEntity"])
    gw.alice.patch(PEOPLE, json={"approvalRequired": True}).expect(200)
    for instance_id in ("one", "two"):
        gw.alice.submit("simpleEntity", INSTANCES["simpleEntity"][instance_id])
        gw.alice.review("simpleEntity", instance_id, "approved")


def with_entity_updates(gw):
    """Central's testEntityUpdates: an API-made entity and a form that may update or create."""
    gw.alice.publish(FORMS["simpleEntity"])
    gw.alice.post(f"{PEOPLE}/entities", json={
        "uuid": ALICE_UUID, "label": "Johnny Doe", "data": {"first_name": "Johnny", "age": "22"}}).expect(200)
    gw.alice.publish(FORMS["updateEntity"].replace('update=""', 'update="" create=""'))


def extended(client):
    return client.with_headers(**{"X-Extended-Metadata": "true"})
