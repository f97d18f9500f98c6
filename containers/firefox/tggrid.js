// Read by Debian's firefox-esr from /etc/firefox-esr/: keep a grid browser quiet on the network
// (no telemetry, studies, captive-portal or connectivity probes, safe-browsing downloads).
pref("app.normandy.enabled", false);
pref("browser.safebrowsing.downloads.remote.enabled", false);
pref("browser.safebrowsing.malware.enabled", false);
pref("browser.safebrowsing.phishing.enabled", false);
pref("browser.safebrowsing.provider.google4.updateURL", "");
pref("browser.shell.checkDefaultBrowser", false);
pref("datareporting.policy.dataSubmissionEnabled", false);
pref("network.captive-portal-service.enabled", false);
pref("network.connectivity-service.enabled", false);
pref("network.dns.disablePrefetch", true);
pref("network.prefetch-next", false);
pref("toolkit.telemetry.enabled", false);
