import HTTPServer

/// The page a browser gets from `GET /`: which app, version, commit and replica answered, and its health,
/// asked again every second, with the last answers listed, so that a rolling update behind a load balancer
/// can be watched replica by replica. Three fixed files with no outside asset; the script fills the page in
/// with `textContent` only, and the policy lets it load nothing but itself.
enum StatusPage {
    static let scriptPath = "/ui/page.js"
    static let stylePath = "/ui/page.css"

    /// Scripts, styles and `fetch` from this origin only; no inline script, no plugin, no framing, no form.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func register(on router: inout Router) {
        let script = asset(script, type: "text/javascript; charset=utf-8")
        let style = asset(style, type: "text/css; charset=utf-8")
        router.get(scriptPath) { _ in script }
        router.get(stylePath) { _ in style }
    }

    static let page = Response(
        status: .ok,
        headers: HTTPHeaders([
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", contentSecurityPolicy),
            ("Cache-Control", "no-cache"), ("Vary", "Accept"), ("Referrer-Policy", "no-referrer"),
        ]), body: Array(html.utf8))

    /// A browser navigating asks for HTML above JSON; `curl`, scripts and probes do not.
    static func wantsPage(_ request: Request) -> Bool {
        AcceptField(request.headers.values(for: "accept")).prefers("text/html", over: "application/json")
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: HTTPHeaders([("Content-Type", type), ("Cache-Control", "no-cache")]),
            body: Array(text.utf8))
    }

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>swift-devops-sample</title>
        <link rel="stylesheet" href="\(stylePath)">
        <script src="\(scriptPath)" defer></script>
        </head>
        <body>
        <main>
        <h1 id="name">swift-devops-sample</h1>
        <p id="health" class="health unknown" role="status" aria-live="polite">asking /health…</p>
        <dl>
        <dt>version</dt><dd id="version">–</dd>
        <dt>commit</dt><dd id="commit">–</dd>
        <dt>replica</dt><dd id="hostname">–</dd>
        <dt>environment</dt><dd id="environment">–</dd>
        </dl>
        <h2>The last answers</h2>
        <p class="note">Asked every second. Behind a load balancer, each line may come from another replica:
        during a rolling update, watch the versions change one replica at a time.</p>
        <table>
        <thead><tr><th>time</th><th>replica</th><th>version</th><th>commit</th><th>health</th></tr></thead>
        <tbody id="history"></tbody>
        </table>
        <noscript><p>This page needs JavaScript; <code>curl /version</code> and <code>curl /health</code> say the same.</p></noscript>
        </main>
        </body>
        </html>

        """

    static let style = """
        body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d232b; }
        main { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin-bottom: 0.5rem; }
        h2 { font-size: 1.1rem; margin-top: 2rem; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1.5rem; }
        dt { color: #5b6573; }
        dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
        .health { display: inline-block; padding: 0.4rem 0.9rem; border-radius: 0.4rem; font-weight: 600; }
        .health.ok { background: #d8f3dc; color: #1b5e20; }
        .health.failing { background: #fde2e1; color: #8b1a12; }
        .health.unknown { background: #e8eaed; color: #3c4450; }
        .note { color: #5b6573; font-size: 0.9rem; }
        table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
        th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #dde1e6; }
        td { font-family: ui-monospace, monospace; }
        tr.failing td { color: #8b1a12; }

        """

    static let script = #"""
        "use strict";
        // Fills the page from /version and /health every second, and keeps the last answers.
        const historyLength = 12;
        const answers = [];

        async function ask(path) {
          const response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" } });
          let body = {};
          try { body = await response.json(); } catch (error) { body = {}; }
          return { status: response.status, body: body };
        }

        function show(id, text) {
          document.getElementById(id).textContent = text;
        }

        function describeHealth(answer) {
          if (answer.status === 200) return { text: answer.body.status || "ok", ok: true };
          const failing = Array.isArray(answer.body.failing) ? " (" + answer.body.failing.join(", ") + ")" : "";
          return { text: answer.status + " " + (answer.body.status || "unhealthy") + failing, ok: false };
        }

        function showHealth(text, state) {
          const element = document.getElementById("health");
          element.textContent = text;
          element.className = "health " + state;
        }

        function record(row) {
          answers.unshift(row);
          answers.length = Math.min(answers.length, historyLength);
          const rows = answers.map(function (answer) {
            const line = document.createElement("tr");
            if (!answer.ok) line.className = "failing";
            for (const text of [answer.time, answer.replica, answer.version, answer.commit, answer.health]) {
              const cell = document.createElement("td");
              cell.textContent = text;
              line.appendChild(cell);
            }
            return line;
          });
          document.getElementById("history").replaceChildren(...rows);
        }

        async function refresh() {
          const time = new Date().toTimeString().slice(0, 8);
          try {
            const [version, health] = await Promise.all([ask("/version"), ask("/health")]);
            const v = version.body;
            const commit = (v.commit || "unknown").slice(0, 12);
            show("name", v.name || "swift-devops-sample");
            show("version", v.version || "–");
            show("commit", v.commit || "unknown");
            show("hostname", v.hostname || "–");
            show("environment", v.environment || "–");
            const state = describeHealth(health);
            showHealth(state.text, state.ok ? "ok" : "failing");
            record({ time: time, replica: v.hostname || "–", version: v.version || "–", commit: commit,
                     health: state.text, ok: state.ok });
          } catch (error) {
            showHealth("no answer: " + error.message, "failing");
            record({ time: time, replica: "–", version: "–", commit: "–", health: "no answer", ok: false });
          }
          setTimeout(refresh, 1000);
        }

        refresh();

        """#
}
