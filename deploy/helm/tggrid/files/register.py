import base64, json, os, time, urllib.request
auth = base64.b64encode(os.environ["TGGRID_HUB_CREDENTIALS"].encode()).decode()
body = {"id": os.environ["POD_NAME"], "url": f"http://{os.environ['POD_IP']}:4444",
        "maxSessions": 1, "stereotypes": [{"browserName": "chrome"}]}
request = urllib.request.Request(
    os.environ["TGGRID_HUB_URL"] + "/api/nodes", json.dumps(body).encode(),
    {"Content-Type": "application/json", "Authorization": "Basic " + auth})
for _ in range(30):
    try:
        urllib.request.urlopen(request, timeout=10)
        break
    except OSError:
        time.sleep(2)
