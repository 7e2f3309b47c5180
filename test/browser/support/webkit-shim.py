#!/usr/bin/python3
"""A minimal WebKitGTK browser for WebKitWebDriver (the real-browser tests' WebKit engine).

MiniBrowser's --automation mode keeps website data in memory, where WebKit refuses Blob values
in IndexedDB; this browser keeps it on disk under --data-dir, as a user's browser does.

`webkit-shim.py --version` prints the WebKitGTK version and exits.

Arguments (passed through the session's webkitgtk:browserOptions.args):
  --data-dir=PATH      website data directory (required: the test removes it afterwards)
  --features=+A,-B     turn WebKit features on or off, as MiniBrowser's --features does; with
                       none, the engine keeps its defaults (WebKitGTK 2.50: no StorageAPI, so no
                       navigator.storage)
Environment: RECLAIM_WEBKIT_NAME, the browserName the session asks for (default reclaim-webkit).
"""
import os
import sys

import gi

gi.require_version('Gtk', '3.0')
gi.require_version('WebKit2', '4.1')
from gi.repository import Gtk, WebKit2  # noqa: E402


def parse(argv):
    data_dir, features = None, []
    for arg in argv:
        if arg.startswith('--data-dir='):
            data_dir = arg.split('=', 1)[1]
        elif arg.startswith('--features='):
            features += [f for f in arg.split('=', 1)[1].split(',') if f]
        # WebKitWebDriver may add its own flags (e.g. --automation): they need nothing here.
    if data_dir is None:
        sys.exit('webkit-shim: --data-dir=PATH is required')
    return data_dir, features


if sys.argv[1:] == ['--version']:
    print(f'{WebKit2.get_major_version()}.{WebKit2.get_minor_version()}.{WebKit2.get_micro_version()}')
    sys.exit(0)

data_dir, wanted = parse(sys.argv[1:])
manager = WebKit2.WebsiteDataManager(base_data_directory=data_dir, base_cache_directory=os.path.join(data_dir, 'cache'))
context = WebKit2.WebContext(website_data_manager=manager)
context.set_automation_allowed(True)

settings = WebKit2.Settings()
known = WebKit2.Settings.get_all_features()
by_name = {known.get(i).get_identifier(): known.get(i) for i in range(known.get_length())}
for spec in wanted:
    name, on = spec.lstrip('+-'), not spec.startswith('-')
    if name not in by_name:
        sys.exit(f'webkit-shim: unknown WebKit feature {name}')
    settings.set_feature_enabled(by_name[name], on)

windows = []


def create_web_view(_session):
    view = WebKit2.WebView(web_context=context, settings=settings, is_controlled_by_automation=True)
    window = Gtk.Window()
    window.set_default_size(1024, 768)
    window.add(view)
    window.show_all()
    windows.append(window)

    def on_close(_view):
        window.destroy()
        windows.remove(window)

    view.connect('close', on_close)
    return view


def automation_started(_context, session):
    info = WebKit2.ApplicationInfo()
    info.set_name(os.environ.get('RECLAIM_WEBKIT_NAME', 'reclaim-webkit'))
    info.set_version(WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version())
    session.set_application_info(info)
    session.connect('create-web-view', create_web_view)


context.connect('automation-started', automation_started)
Gtk.main()
