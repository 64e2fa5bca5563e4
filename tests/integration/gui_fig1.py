#!/usr/bin/env python3
"""The web GUI in a real browser (headless Chromium through chromedriver and
Debian's python3-selenium) against a real fig1 lab, reached as a user does:
`minidc gui --lab L` forwards the machine's loopback into the lab.

It checks: the page loads without console errors and draws the 7 switches,
8 servers and the Internet host (and lists them as text); a token that is
wrong gets the token form; at most one metrics request a second; a VM booted
from the page's form appears on its server; one dragged onto another server
migrates and is drawn there within 2 s of the migration's end; a clone with a
balancer made from the VM's menu shows the balancer on the switch minidcd put
it on; iperf3 traffic shows on the links of its route and not elsewhere; a
link taken down is drawn down, and up again; a VM stopped from the page goes.
With MINIDC_GUI_SCREENSHOTS=DIR it saves the view idle and under load there.
The lab is removed at the end, even on failure; prints TAP."""
import atexit
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import minidcd as m  # noqa: E402

MINIDC = os.environ.get("MINIDC", "minidc")
SRC = m.SRC
RUN = os.environ.get("MINIDC_RUN_DIR", "/run/minidc")
SHOTS = os.environ.get("MINIDC_GUI_SCREENSHOTS")
CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

if os.geteuid() != 0:
    m.skip_all("needs root (network namespaces)")
for tool in ("ip", "ovsdb-server", "ovs-vswitchd", "qemu-system-x86_64", "iperf3"):
    if not shutil.which(tool):
        m.skip_all("needs " + tool)
if not CHROMIUM or not os.access(DRIVER, os.X_OK):
    m.skip_all("needs chromium and chromium-driver")
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:
    m.skip_all("needs python3-selenium (run by Debian's /usr/bin/python3)")

t = m.Tap()
LAB = "t%dg" % (os.getpid() % 100000)
owners = os.path.join(RUN, "test-labs")
procs = []
driver = None


def cleanup():
    global driver
    if driver:
        try:
            driver.quit()
        except Exception:
            pass
        driver = None
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
    subprocess.run([MINIDC, "lab", "down", LAB], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        os.unlink(os.path.join(owners, LAB))
    except OSError:
        pass


atexit.register(cleanup)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))


def wait_for(cond, secs, step=0.1):
    """cond()'s first true value within 'secs', else its last value."""
    end = time.monotonic() + secs
    v = None
    while True:
        try:
            v = cond()
        except Exception as e:  # a page mid-render, a request refused
            v = None
            last_error[0] = e
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


last_error = [None]

# The guest image, and the lab.
build = subprocess.run([os.path.join(SRC, "guest", "build"), os.path.join(os.path.dirname(MINIDC), "guest")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
if build.returncode:
    m.skip_all("the guest image does not build: " + build.stdout.strip().splitlines()[-1])
os.makedirs(owners, exist_ok=True)
with open(os.path.join(owners, LAB), "w") as f:
    f.write(str(os.getpid()))
up = subprocess.run([MINIDC, "lab", "up", "--quiet", "--name", LAB, os.path.join(SRC, "examples", "fig1.yaml")],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
if not t.ok(up.returncode == 0, "lab up"):
    t.diag(up.stdout)
    t.done()

# `minidc gui` on a free loopback port: its URL carries the token.
gui = subprocess.Popen([MINIDC, "gui", "--lab", LAB, "--port", "0"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
procs.append(gui)
lines = [gui.stdout.readline() for _ in range(3)]
url = next((x.strip() for x in lines if x.strip().startswith("http://127.0.0.1:")), None)
if not t.ok(url and "#token=" in url, "minidc gui prints a loopback URL with the token (%s)" % lines[:2]):
    t.done()
base, token = url.split("#token=")
host, port = base[len("http://"):].rstrip("/").split(":")
port = int(port)


def api(method, path, body=None):
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, (json.loads(data) if data else None)


def kept_events():
    """The events minidcd keeps (the stream's replay, read until it pauses)."""
    c = http.client.HTTPConnection(host, port, timeout=5)
    c.request("GET", "/api/v1/events?since=0", headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    c.sock.settimeout(1.0)
    raw = b""
    try:
        while True:
            chunk = r.read1(65536)
            if not chunk:
                break
            raw += chunk
    except OSError:
        pass
    c.close()
    return [json.loads(x[6:]) for x in raw.decode(errors="replace").splitlines() if x.startswith("data: ")]


st, status = api("GET", "/api/v1/status")
t.ok(st == 200 and status.get("topology") == "fig1", "the API answers through the forwarder (%s)" % st)
c = http.client.HTTPConnection(host, port, timeout=5)
c.request("GET", "/")
r = c.getresponse()
page = r.read().decode()
t.ok(r.status == 200 and "text/html" in r.getheader("Content-Type", "") and "/js/main.js" in page
     and "default-src 'self'" in r.getheader("Content-Security-Policy", ""),
     "GET / is the page, without a token, under a self-only content policy")
c.close()

opts = webdriver.ChromeOptions()
opts.binary_location = CHROMIUM
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1500,1000", "--user-data-dir=/tmp/minidc-gui-%d" % os.getpid()):
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
d = driver
console = []


def take_console():
    for e in d.get_log("browser"):
        console.append(e)


def js(script, *args):
    return d.execute_script(script, *args)


def click(css):
    """A click in the middle of what 'css' selects, as a mouse makes it."""
    ActionChains(d).move_to_element(d.find_element(By.CSS_SELECTOR, css)).click().perform()


def shot(name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        d.save_screenshot(os.path.join(SHOTS, name))


# A wrong token: the form asking for one, and no drawing.
d.get(base + "#token=wrong")
t.ok(wait_for(lambda: js("return !document.getElementById('token-form').hidden"), 10),
     "a wrong token gets the form asking for the token")
take_console()
console.clear()  # the 401 it logged is the point of that check

d.get(url)
t.ok(wait_for(lambda: js("return document.body.dataset.ready === 'true'"), 20), "the page loads and draws")
t.ok(js("return location.hash") == "", "the token leaves the address bar")
counts = js("""const q = (k) => document.querySelectorAll('#canvas [data-kind=' + k + ']').length;
  return [q('switch'), q('server'), q('host'), q('link')]""")
t.ok(counts == [7, 8, 1, 15], "7 switches, 8 servers, the Internet host and 15 links drawn (%s)" % counts)
names = js("return [...document.querySelectorAll('#inventory li[data-kind=switch], #inventory li[data-kind=server],"
           " #inventory li[data-kind=host]')].map(e => e.dataset.name)")
t.ok(sorted(names) == sorted(["ovs%d" % i for i in range(1, 8)] + ["server%d" % i for i in range(1, 9)] + ["internet"]),
     "the inventory names every switch, server and host as text")
t.ok(wait_for(lambda: js("return document.getElementById('connection').dataset.state") == "live", 10),
     "the event stream is live")
t.ok(js("return document.querySelectorAll('#canvas [data-kind=link][data-state=up]').length") == 15,
     "every link is drawn up")

# At most one metrics request a second.
js("performance.clearResourceTimings()")
time.sleep(10)
n = js("return performance.getEntriesByType('resource').filter(e => /\\/api\\/v1\\/metrics$/.test(e.name)).length")
t.ok(5 <= n <= 11, "%d metrics requests in 10 s" % n)

# Boot from the page's form.
form = d.find_element(By.ID, "boot-form")
form.find_element(By.NAME, "name").send_keys("vm1")
Select(form.find_element(By.NAME, "server")).select_by_value("server1")
form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
vm_on = "return (document.querySelector('#canvas [data-kind=vm][data-name=\"' + arguments[0] + '\"]') || {dataset: {}}).dataset.server"
t.ok(wait_for(lambda: js(vm_on, "vm1") == "server1", 90), "vm1 booted from the form shows on server1")
t.ok(wait_for(lambda: js("return [...document.querySelectorAll('#operations-list li')].some(e => e.dataset.kind == 'boot' && e.dataset.state == 'done')"), 10),
     "the boot shows as done in the operations")
st, vms = api("GET", "/api/v1/vms")
t.ok(st == 200 and [v["server"] for v in vms["vms"] if v["name"] == "vm1"] == ["server1"], "minidcd has vm1 on server1")
shot("fig1-idle.png")

# Drag vm1 onto server2: the migration, and the page's redraw after it.
js("""window.__seen = null;
  new MutationObserver(() => {
    const e = document.querySelector('#canvas [data-kind=vm][data-name=vm1]');
    if (e && e.dataset.server === 'server2' && !window.__seen) window.__seen = Date.now() / 1000;
  }).observe(document.getElementById('canvas'), {subtree: true, childList: true, attributes: true});""")
vm = d.find_element(By.CSS_SELECTOR, "#canvas [data-kind=vm][data-name=vm1]")
target = d.find_element(By.CSS_SELECTOR, "#canvas [data-kind=server][data-name=server2]")
ActionChains(d).move_to_element(vm).click_and_hold().move_by_offset(10, 10).move_to_element(target).release().perform()
op = wait_for(lambda: js("return [...document.querySelectorAll('#operations-list li')].find(e => e.dataset.kind == 'migrate' && e.dataset.operation) ? "
                         "[...document.querySelectorAll('#operations-list li')].find(e => e.dataset.kind == 'migrate').dataset.operation : null"), 10)
t.ok(op, "dropping vm1 on server2 starts a migration (operation %s)" % op)
done = wait_for(lambda: (lambda r: r[1] if r[0] == 200 and r[1]["state"] != "running" else None)(api("GET", "/api/v1/operations/%s" % op)), 90, 0.2)
t.ok(done and done["state"] == "done", "the migration is done (%s)" % (done and done.get("error")))
seen = wait_for(lambda: js("return window.__seen"), 10)
migrated = [e for e in kept_events() if e["type"] == "vm.migrated" and e.get("vm") == "vm1"]
if t.ok(seen and migrated, "the page drew vm1 on server2, and minidcd published vm.migrated"):
    lag = seen - migrated[-1]["time"]
    t.ok(lag <= 2.0, "drawn on server2 %.2f s after the migration ended (at most 2 s)" % lag)
t.ok(js(vm_on, "vm1") == "server2", "vm1 is drawn on server2")

# Clone with a balancer from the VM's menu, onto server3 (another subnet).
click("#canvas [data-kind=vm][data-name=vm1]")
t.ok(wait_for(lambda: d.find_element(By.ID, "clone-to"), 5), "selecting vm1 shows its actions")
Select(d.find_element(By.ID, "clone-to")).select_by_value("server3")
if not d.find_element(By.ID, "clone-balance").is_selected():
    d.find_element(By.ID, "clone-balance").click()
d.find_element(By.ID, "clone").click()
t.ok(wait_for(lambda: js(vm_on, "vm1-c1") == "server3", 90), "the clone vm1-c1 shows on server3")
bal = wait_for(lambda: api("GET", "/api/v1/balancers")[1]["balancers"], 10)
where = bal[0]["switch"] if bal else None
t.ok(where == "ovs2", "minidcd balances vm1's address on ovs2, where net1 and net2 join (%s)" % where)
tag = wait_for(lambda: js("return [...document.querySelectorAll('#canvas [data-kind=balancer]')].map(e => [e.dataset.switch, e.dataset.address])"), 10)
t.ok(tag == [[where, bal[0]["address"]]] if bal else False, "the page shows the balancer on %s for %s (%s)" % (where, bal and bal[0]["address"], tag))

# Traffic: iperf3 server1 -> server8 at 20 Mbit/s, seen on its route only.
ns = lambda n: ["ip", "netns", "exec", "%s-%s" % (LAB, n)]  # noqa: E731
srv = subprocess.Popen(ns("server8") + ["iperf3", "-s", "-1", "-p", "5299"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
procs.append(srv)
time.sleep(0.5)
cli = subprocess.Popen(ns("server1") + ["iperf3", "-c", "198.18.4.8", "-p", "5299", "-b", "20M", "-t", "12"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
procs.append(cli)
route = ["ovs4:2-server1", "ovs2:2-ovs4:1", "ovs1:2-ovs2:1", "ovs1:3-ovs3:1", "ovs3:3-ovs7:1", "ovs7:3-server8"]
off = ["ovs5:2-server3", "ovs6:2-server5", "ovs3:2-ovs6:1"]
loads = """return Object.fromEntries([...document.querySelectorAll('#canvas [data-kind=link]')].map(e =>
  [e.dataset.name, Math.max(Number(e.dataset.abBps || 0), Number(e.dataset.baBps || 0))]))"""


def busy():
    v = js(loads)
    return v if all(v[x] > 10e6 for x in route) else None


v = wait_for(busy, 10, 0.5)
t.ok(v, "every link of the route reads over 10 Mbit/s in the page (%s)" % (v and {x: round(v[x] / 1e6, 1) for x in route}))
v = js(loads)
t.ok(all(v[x] < 1e6 for x in off), "links off the route read under 1 Mbit/s (%s)" % {x: round(v[x] / 1e6, 2) for x in off})
# server1 -> server8 goes ovs2 -> ovs1: link ovs1:2-ovs2:1's b-to-a way.
step = js("""const g = document.querySelector('#canvas [data-kind=link][data-name="ovs1:2-ovs2:1"]');
  const s = (c) => Number(g.querySelector('line.' + c).getAttribute('class').match(/u(\\d)/)[1]);
  return [s('ab'), s('ba'), Number(g.querySelector('line.ab').getAttribute('stroke-width')), Number(g.querySelector('line.ba').getAttribute('stroke-width'))]""")
t.ok(step[1] >= 2 and step[1] > step[0] and step[3] > step[2],
     "ovs2 -> ovs1 (the data) drawn hotter and wider than ovs1 -> ovs2 (the acks): steps and widths %s" % step)
click("#canvas [data-kind=link][data-name=\"ovs1:2-ovs2:1\"]")
t.ok(wait_for(lambda: "Mbit/s" in d.find_element(By.ID, "details-body").text, 5), "a selected link shows its figures")
t.ok(wait_for(lambda: js("return document.querySelector('#details-body .chart path.series0, #details-body .chart path.series1') !== null"), 10),
     "and a chart of its history")
shot("fig1-load.png")
cli.wait(30)

# A link taken down, then up again.
subprocess.run(["ip", "-n", LAB, "link", "set", "ovs2-1", "down"], check=True)
state = "return document.querySelector('#canvas [data-kind=link][data-name=\"ovs1:2-ovs2:1\"]').dataset.state"
t.ok(wait_for(lambda: js(state) == "down", 15), "ovs1-ovs2 taken down is drawn down")
subprocess.run(["ip", "-n", LAB, "link", "set", "ovs2-1", "up"], check=True)
t.ok(wait_for(lambda: js(state) == "up", 20), "and up again when it comes back")

# Stop the clone from its menu.
click("#canvas [data-kind=vm][data-name=vm1-c1]")
wait_for(lambda: d.find_element(By.ID, "stop"), 5).click()
d.switch_to.alert.accept()
t.ok(wait_for(lambda: js(vm_on, "vm1-c1") is None, 60), "vm1-c1 stopped from the page is gone from it")
t.ok(wait_for(lambda: js("return document.querySelectorAll('#canvas [data-kind=balancer]').length") == 0, 10),
     "and so is its balancer")

# Migrate vm1 from its menu to server5 (net3): it keeps its address for its
# clients through a rewrite, which the page shows on the switch holding it.
click("#canvas [data-kind=vm][data-name=vm1]")
Select(wait_for(lambda: d.find_element(By.ID, "migrate-to"), 5)).select_by_value("server5")
d.find_element(By.ID, "migrate").click()
t.ok(wait_for(lambda: js(vm_on, "vm1") == "server5", 90), "vm1 migrated from its menu shows on server5")
rw = wait_for(lambda: api("GET", "/api/v1/rewrites")[1]["rewrites"], 10)
shown = wait_for(lambda: js("return [...document.querySelectorAll('#canvas [data-kind=rewrite]')].map(e => [e.dataset.switch, e.dataset.old, e.dataset.new])"), 10)
t.ok(rw and shown == [[rw[0]["switch"], rw[0]["old"], rw[0]["new"]]],
     "the page shows minidcd's rewrite on its switch (%s; page %s)" % (rw, shown))
addr = js("return document.querySelector('#canvas [data-kind=vm][data-name=vm1]').dataset.serves")
t.ok(rw and addr == rw[0]["old"], "and vm1 with the address its clients use (%s)" % addr)

take_console()
errors = [e for e in console if e.get("level") == "SEVERE"]
t.ok(not errors, "no console errors (%s)" % errors[:3])
t.done()
