// Read by Debian's firefox-esr from /etc/firefox-esr/.
// Keep a grid browser quiet on the network: no telemetry, studies, experiments, captive-portal or
// connectivity probes, safe-browsing downloads.
pref("app.normandy.enabled", false);
pref("app.shield.optoutstudies.enabled", false);
pref("browser.safebrowsing.downloads.remote.enabled", false);
pref("browser.safebrowsing.malware.enabled", false);
pref("browser.safebrowsing.phishing.enabled", false);
pref("browser.safebrowsing.provider.google4.updateURL", "");
pref("browser.shell.checkDefaultBrowser", false);
pref("datareporting.policy.dataSubmissionEnabled", false);
pref("messaging-system.rsexperimentloader.enabled", false);
pref("network.captive-portal-service.enabled", false);
pref("network.connectivity-service.enabled", false);
pref("network.dns.disablePrefetch", true);
pref("network.prefetch-next", false);
pref("toolkit.telemetry.enabled", false);
// Fit a recorded session in 512 MB: no spare pre-launched content process, no new-tab page.
pref("browser.newtabpage.enabled", false);
pref("browser.startup.homepage", "about:blank");
pref("browser.startup.page", 0);
pref("dom.ipc.processPrelaunch.enabled", false);
