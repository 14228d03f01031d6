"""The floor the API fuzz runs on, committed so that real requests see it: two segments, a line of ours
and a far line, a web chat with two visitors, a far client with a ticket; marker texts planted where
only some callers may read them; the callers' sessions; and the removal of all of it afterwards."""

from dataclasses import dataclass, field

import frappe
from frappe.auth import CookieManager, LoginManager
from frappe.utils import set_request

from iqchannels.channels import widget
from iqchannels.channels.base import Inbound
from iqchannels.flows import transfers
from iqchannels.flows.receiving import receive
from iqchannels.flows.replies import post_operator_message
from iqchannels.flows.tickets import create_ticket
from iqchannels.records.clients import client_for_identity
from iqchannels.records.roles import SUPERVISOR
from iqchannels.tests.factories import make_channel, make_line, make_operator, make_user, unique

# Frappe's own records that the app's endpoints may write besides the app's doctypes.
FRAPPE_DOCTYPES = (
	"User",
	"Has Role",
	"ToDo",
	"File",
	"Comment",
	"Version",
	"Contact",
	"Contact Email",
	"Contact Phone",
	"Dynamic Link",
	"Communication",
	"Communication Link",
	"Notification Log",
	"Error Log",
	"Activity Log",
	"Access Log",
)

ROLES = ("guest", "visitor", "operator", "supervisor")


@dataclass
class Scene:
	started: object
	ids: dict = field(default_factory=dict)  # parameter name(s) -> ids of records that exist on the site
	markers: dict = field(default_factory=dict)  # marker text -> roles that may read it
	sessions: dict = field(default_factory=dict)  # role -> sid
	visitor: dict = field(default_factory=dict)  # the visitor's channel and token

	def forbidden(self, role: str) -> list[str]:
		return [marker for marker, readers in self.markers.items() if role not in readers]


def marker(kind: str) -> str:
	return f"FZ{kind}{frappe.generate_hash(length=12)}"


def plant(scene: Scene) -> None:
	ours, theirs = (
		frappe.get_doc({"doctype": "IQC Segment", "segment_name": unique(name)}).insert(
			ignore_permissions=True
		)
		for name in ("Ours", "Theirs")
	)
	operator = make_operator(status="Active", slots=50, first_name="Fuzz")
	colleague = make_operator(status="Active", slots=50, first_name="Colleague")
	far_operator = make_operator(status="Active", slots=50, first_name="Far")
	far_colleague = make_operator(status="Active", slots=50, first_name="Farther")
	supervisor = make_user(SUPERVISOR, "Overseer")
	frappe.get_doc({"doctype": "IQC Supervisor Segment", "user": supervisor, "segment": ours.name}).insert(
		ignore_permissions=True
	)
	line = make_line(members=[operator, colleague])
	far_line = make_line(members=[far_operator, far_colleague])
	frappe.db.set_value("IQC Line", line, "segment", ours.name)
	frappe.db.set_value("IQC Line", far_line, "segment", theirs.name)
	chat = make_channel(line, channel_type="Web widget")
	far_channel = make_channel(far_line)

	everyone_inside = {"operator", "supervisor"}
	visitor_id = widget.new_anonymous_id()
	own_text = marker("OWN")
	own, _ = receive(Inbound(chat, visitor_id, own_text))
	own_conversation = frappe.get_doc("IQC Conversation", own.conversation)
	assign(own_conversation, operator)
	note_text = marker("NOTE")
	note = post_operator_message(own_conversation, operator, note_text, internal=True)

	other_text = marker("OTHER")
	other, _ = receive(Inbound(chat, widget.new_anonymous_id(), other_text))

	far_name, far_text, far_subject, far_comment = (marker(kind) for kind in ("NAME", "FAR", "TKT", "MOVE"))
	far_external = unique("far")
	far_client = client_for_identity(far_channel, far_external, {"full_name": far_name})
	far, _ = receive(Inbound(far_channel, far_external, far_text))
	far_conversation = frappe.get_doc("IQC Conversation", far.conversation)
	assign(far_conversation, far_operator)
	far_ticket = create_ticket(
		far_operator, far_subject, client=far_client, line=far_line, description=far_text
	)
	transfer = transfers.offer(far_conversation, far_operator, far_colleague, comment=far_comment)

	scene.markers = {
		own_text: everyone_inside | {"visitor"},
		note_text: everyone_inside,
		other_text: everyone_inside,
		far_name: set(),
		far_text: set(),
		far_subject: set(),
		far_comment: set(),
		chat.get_password("secret"): set(),
		far_channel.get_password("secret"): set(),
	}
	scene.visitor = {"channel": chat.name, "token": widget.token_for(chat, visitor_id)}
	clients = [own.client, other.client, far_client]
	conversations = [own.conversation, other.conversation, far.conversation]
	scene.ids = {
		"conversation": conversations + [999999999],
		"client|other|exclude": clients,
		"message|before|up_to": [own.name, note.name, other.name, far.name],
		"ticket|parent": [far_ticket.name, 999999999],
		"transfer": [transfer.name if transfer else 1],
		"line|to_line|lines": [line, far_line, f'["{line}", "{far_line}"]'],
		"channel": [chat.name, far_channel.name],
		"operator|to_operator|user|assignee": [
			operator,
			colleague,
			far_operator,
			supervisor,
			"Administrator",
		],
		"segment": [ours.name, theirs.name],
		"identity": frappe.get_all("IQC Client Identity", {"parent": ["in", clients]}, pluck="name"),
	}
	scene.sessions = {"operator": login(operator), "supervisor": login(supervisor)}
	frappe.db.commit()


def assign(conversation, operator: str) -> None:
	from iqchannels.api import supervisor as supervisor_api

	frappe.set_user("Administrator")
	supervisor_api.assign(conversation.name, operator)
	conversation.reload()


def login(user: str) -> str:
	"""A real session of `user`, as the login page makes one; the test process stays Administrator."""
	request = getattr(frappe.local, "request", None)
	set_request(path="/")
	frappe.local.cookie_manager = CookieManager()
	frappe.local.login_manager = LoginManager()
	frappe.local.login_manager.login_as(user)
	sid = frappe.session.sid
	frappe.local.request = request
	frappe.set_user("Administrator")
	return sid


def remove(scene: Scene) -> None:
	"""Delete whatever the run wrote: every row of the app's doctypes and of Frappe's records its
	endpoints write, made since the scene was planted (the site runs nothing else meanwhile)."""
	frappe.db.rollback()
	for sid in scene.sessions.values():
		frappe.sessions.delete_session(sid, reason="Fuzz run over")
	doctypes = frappe.get_all(
		"DocType", filters={"module": "IQChannels", "issingle": 0, "is_virtual": 0}, pluck="name"
	)
	for doctype in [*doctypes, *FRAPPE_DOCTYPES]:
		if frappe.db.table_exists(doctype):
			frappe.db.delete(doctype, {"creation": [">=", scene.started]})
	frappe.db.commit()
	frappe.cache.delete_keys("rl:")
