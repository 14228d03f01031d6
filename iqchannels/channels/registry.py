"""Which adapter serves which channel type (layer: channels): the one place that names them all.

Adding a channel is adding its module and one line here."""

import frappe

from iqchannels.channels.base import ChannelAdapter
from iqchannels.channels.webhooks import PartnerApi
from iqchannels.channels.widget import WebChat

ADAPTERS: dict[str, ChannelAdapter] = {adapter.channel_type: adapter for adapter in (WebChat(), PartnerApi())}
# Channel types whose adapter is still to come keep replies in the history for the client's side.
READS_HISTORY = ChannelAdapter()


def adapter_of(channel: str) -> ChannelAdapter:
	return ADAPTERS.get(frappe.get_cached_value("IQC Channel", channel, "channel_type"), READS_HISTORY)
