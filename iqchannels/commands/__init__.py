"""bench commands of the app (layer: endpoints): `bench --site SITE iqchannels-demo`."""

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


commands = [demo]
