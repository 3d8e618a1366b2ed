/// The operators' page: backlog, recent entity errors, conflicts awaiting review and consistency health.
/// It refreshes itself every ten seconds.
enum DashboardTemplate {
    static let page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
        <title>ingest dashboard</title>
        <style>
        body { font-family: "DejaVu Sans", sans-serif; margin: 1.5em; color: #222; }
        h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.4em; }
        .status { display: inline-block; padding: .2em .7em; border-radius: .3em; color: white; font-weight: bold; }
        .healthy { background: #2e7d32; } .degraded { background: #ef6c00; } .unhealthy { background: #c62828; }
        table { border-collapse: collapse; margin-top: .4em; } td, th { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
        th { background: #f3f3f3; } .cards { display: flex; gap: 1em; flex-wrap: wrap; }
        .card { border: 1px solid #ddd; border-radius: .4em; padding: .6em 1em; min-width: 9em; }
        .card b { display: block; font-size: 1.6em; } .muted { color: #777; }
        </style></head><body>
        <form method="post" action="/dashboard/logout" style="float: right"><button type="submit">Log out</button></form>
        <h1>ingest <span class="status {{health.status}}">{{health.status}}</span></h1>
        {{#health.reasons}}<div class="muted">{{.}}</div>{{/health.reasons}}
        <p class="muted">Updated {{generatedAt}}. Last full consistency pass: {{#lastPass}}{{finishedAt}}, {{checked}} checked, {{invalid}} invalid{{/lastPass}}{{^lastPass}}none yet{{/lastPass}}.</p>
        <h2>Backlog</h2>
        <div class="cards">
        <div class="card"><b>{{backlog.held}}</b>held</div>
        <div class="card"><b>{{backlog.oldestAge}}</b>oldest held</div>
        <div class="card"><b>{{backlog.releasedHour}} / {{backlog.releasedDay}}</b>released (hour / day)</div>
        <div class="card"><b>{{backlog.forcedHour}} / {{backlog.forcedDay}}</b>forced (hour / day)</div>
        <div class="card"><b>{{backlog.failedHour}} / {{backlog.failedDay}}</b>entity errors (hour / day)</div>
        </div>
        {{#backlog.hasDatasets}}<table><tr><th>dataset</th><th>held</th></tr>
        {{#backlog.byDataset}}<tr><td>{{name}}</td><td>{{held}}</td></tr>{{/backlog.byDataset}}</table>{{/backlog.hasDatasets}}
        <h2>Conflicts awaiting review</h2>
        {{#hasConflicts}}<table><tr><th>project</th><th>dataset</th><th>entity</th><th>label</th><th>conflict</th></tr>
        {{#conflicts}}<tr><td>{{project}}</td><td>{{dataset}}</td><td>{{uuid}}</td><td>{{label}}</td><td>{{conflict}}</td></tr>{{/conflicts}}</table>{{/hasConflicts}}
        {{^hasConflicts}}<p class="muted">No entity is in conflict.</p>{{/hasConflicts}}
        <h2>Recent entity errors</h2>
        {{#hasErrors}}<table><tr><th>when</th><th>submission</th><th>code</th><th>message</th></tr>
        {{#errors}}<tr><td>{{loggedAt}}</td><td>{{instanceId}}</td><td>{{code}}</td><td>{{message}}</td></tr>{{/errors}}</table>{{/hasErrors}}
        {{^hasErrors}}<p class="muted">No entity errors.</p>{{/hasErrors}}
        </body></html>
        """

    /// The dashboard's own login: administrators only; the page sets a cookie that only `/dashboard` sees.
    static let login = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>ingest dashboard: log in</title>
        <style>
        body { font-family: "DejaVu Sans", sans-serif; margin: 3em auto; max-width: 22em; color: #222; }
        label { display: block; margin-top: .8em; } input { width: 100%; padding: .3em; box-sizing: border-box; }
        button { margin-top: 1.2em; padding: .4em 1.2em; } .error { color: #c62828; }
        </style></head><body>
        <h1>ingest dashboard</h1>
        {{#error}}<p class="error">{{error}}</p>{{/error}}
        <form method="post" action="/dashboard/login">
        <label>E-mail <input type="email" name="email" autocomplete="username" required></label>
        <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
        <button type="submit">Log in</button>
        </form>
        </body></html>
        """
}
