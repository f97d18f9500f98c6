import base64, json, os, time, urllib.request
auth = base64.b64encode(os.environ["TGGRID_HUB_CREDENTIALS"].encode()).decode()
hub, name = os.environ["TGGRID_HUB_URL"], os.environ["POD_NAME"]
def call(method, path, body=None):
    request = urllib.request.Request(
        f"{hub}{path}", body, {"Authorization": "Basic " + auth,
        "Content-Type": "application/json"}, method=method)
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read() or b"null")
call("POST", f"/api/nodes/{name}/drain", b"{}")
for _ in range(160):
    nodes = call("GET", "/api/nodes")["nodes"]
    if not any(n["id"] == name and n["activeSessions"] for n in nodes):
        break
    time.sleep(2)
call("DELETE", f"/api/nodes/{name}")
