"""TGGrid hub: a W3C WebDriver grid with CDP, BiDi, VNC and video."""

__version__ = "0.1.0"
