"""Chrome DevTools, WebDriver BiDi and Playwright's ``connect_over_cdp`` through the hub
(wired by ``setup.setup``)."""
