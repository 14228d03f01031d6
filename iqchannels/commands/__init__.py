"""bench commands of the app (layer: endpoints): `bench --site SITE iqchannels-demo`,
`bench --site SITE iqchannels-telegram-poll`."""

import click
from frappe.commands import get_site, pass_context


@click.command("iqchannels-demo")
@pass_context
def demo(context):
	"""Fill the site with a demo line, channels, operators and clients writing."""
	import frappe

	from iqchannels.commands.demo import make_demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		summary = make_demo()
		frappe.db.commit()
	finally:
		frappe.destroy()
	click.echo(summary)


@click.command("iqchannels-telegram-poll")
@click.option("--once", is_flag=True, help="One round of getUpdates over the channels, then exit.")
@click.option(
	"--timeout", type=int, default=25, show_default=True, help="Seconds a getUpdates long poll waits."
)
@pass_context
def telegram_poll(context, once=False, timeout=25):
	"""Fetch the updates of the Telegram channels in Polling mode, until stopped (SIGTERM)."""
	from iqchannels.flows.telegram import run

	run(get_site(context), timeout=timeout, once=once, echo=click.echo)


commands = [demo, telegram_poll]
