// The page hands over the app's translations for the visitor's language (their browser's).
const config = window.iqc_chat_config || {};

export function __(text, args = []) {
	const translated = (config.messages || {})[text] || text;
	return translated.replace(/\{(\d+)\}/g, (whole, i) => (args[i] === undefined ? whole : args[i]));
}
