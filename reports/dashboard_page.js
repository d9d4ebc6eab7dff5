/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dashboard page's script (embedded by scripts/embed-dashboard.py): it
 * renders the bpfgauge-dashboard JSON block of the page, offline. The URL
 * fragment holds the view (#sort=insns&dir=desc&filter=xdp&flagged=1&
 * scale=linear&cells=1&prog=OBJ/PROG), so a view can be linked and reloaded.
 */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('bpfgauge-data').textContent);
  var LIMIT = D.limits.insns;
  var runIndex = {};
  D.runs.forEach(function (r, i) { runIndex[r.id] = i; });
  var S = { sort: 'insns_pct', dir: '', filter: '', flagged: false, scale: 'log', cells: false, prog: '', limit: 40 };
  var PALETTE = ['#2f6fdd', '#e07b00', '#2a9d4b', '#9b3fc8', '#00a0b0', '#c2185b', '#7a6a00', '#4a5a7a', '#d4a000', '#1b5e20'];
  var COLS = [
    ['name', 'program', 'asc'], ['type', 'type', 'asc'], ['insns', 'insns', 'desc'],
    ['insns_pct', '% of 1M', 'desc'], ['stack', 'stack', 'desc'], ['stack_pct', '% of 512', 'desc'],
    ['states', 'states', 'desc'], ['status', 'cells', 'desc'], ['change', 'change since baseline', 'desc'],
    ['flags', 'flags', 'desc']
  ];

  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function fmt(n) { return n == null ? '' : Number(n).toLocaleString('en-US'); }
  function pct(x) { return x == null ? '' : x.toFixed(2) + '%'; }
  function key(p) { return p.object + '/' + p.prog; }
  function level(x) {
    return x == null ? 'error' : x <= D.levels.warn_pct ? 'ok' : x <= D.levels.error_pct ? 'warn' : 'error';
  }
  function runById(id) { return D.runs[runIndex[id]]; }
  function runName(r) { return '#' + r.id + ' ' + r.tick + ' (' + r.started.slice(0, 10) + ')'; }
  function el(id) { return document.getElementById(id); }

  function readHash() {
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      var i = kv.indexOf('='), k = i < 0 ? kv : kv.slice(0, i), v = i < 0 ? '1' : kv.slice(i + 1);
      try { v = decodeURIComponent(v); } catch (e) { /* a malformed escape stays as typed */ }
      if (k === 'sort' || k === 'dir' || k === 'filter' || k === 'scale' || k === 'prog') S[k] = v;
      if (k === 'flagged') S.flagged = v === '1';
      if (k === 'cells') S.cells = v === '1';
    });
  }
  function writeHash() {
    var h = ['sort=' + encodeURIComponent(S.sort)];
    if (S.dir) h.push('dir=' + S.dir);
    if (S.filter) h.push('filter=' + encodeURIComponent(S.filter));
    if (S.flagged) h.push('flagged=1');
    if (S.scale !== 'log') h.push('scale=' + S.scale);
    if (S.cells) h.push('cells=1');
    if (S.prog) h.push('prog=' + encodeURIComponent(S.prog));
    history.replaceState(null, '', '#' + h.join('&'));
  }

  function sortValue(p, k) {
    switch (k) {
      case 'name': return key(p);
      case 'type': return p.prog_type;
      case 'status': return p.failed_cells * 1000 + p.error_cells + p.attach_failed_cells / 1000;
      case 'change': return p.change && p.change.delta_pct != null ? p.change.delta_pct : null;
      case 'flags': return p.flags.length;
      default: return p[k];
    }
  }
  function colDir(k) {
    for (var i = 0; i < COLS.length; i++) if (COLS[i][0] === k) return COLS[i][2];
    return 'desc';
  }
  function visible() {
    var f = S.filter.toLowerCase();
    var rows = D.programs.filter(function (p) {
      if (S.flagged && !p.flags.length && !p.failed_cells) return false;
      if (!f) return true;
      var hay = [key(p), p.prog_type, p.failure || '', p.attach_failure || ''].concat(p.flags.map(function (x) { return x.axis; }));
      return hay.join(' ').toLowerCase().indexOf(f) >= 0;
    });
    var dir = (S.dir || colDir(S.sort)) === 'asc' ? 1 : -1;
    rows.sort(function (a, b) {
      var x = sortValue(a, S.sort), y = sortValue(b, S.sort);
      if (x == null || y == null) return x == null && y == null ? key(a) < key(b) ? -1 : 1 : x == null ? 1 : -1;
      if (x < y) return -dir;
      if (x > y) return dir;
      return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
    });
    return rows;
  }

  function bar(x) {
    var w = Math.max(0, Math.min(100, x || 0));
    return '<span class="bar"><i class="bg-' + level(x) + '" style="width:' + w + '%"></i></span>';
  }
  function changeCell(p) {
    var c = p.change;
    if (!c) return '<span class="muted">no baseline</span>';
    var out = [];
    if (!c.in_baseline) out.push('<b>new</b>');
    if (c.new_failures) out.push('<span class="fail">newly fails on ' + c.new_failures + ' cell' + (c.new_failures > 1 ? 's' : '') + '</span>');
    if (c.fixed) out.push('<span class="chg-down">fixed on ' + c.fixed + '</span>');
    if (c.delta_pct != null) {
      var cls = c.delta > 0 ? 'chg-up' : c.delta < 0 ? 'chg-down' : 'muted';
      out.push('<span class="' + cls + '" data-delta="' + c.delta + '">' + (c.delta > 0 ? '+' : '') + c.delta_pct.toFixed(1) +
        '%</span> <span class="muted">' + fmt(c.baseline_insns) + ' &rarr; ' + fmt(c.insns) + ' on ' + esc(c.cell) + '</span>');
    }
    return out.join('<br>') || '<span class="muted">&ndash;</span>';
  }
  function statusCell(p) {
    var s = p.failed_cells ? '<span class="fail" title="' + esc(p.failure) + '">fails on ' + p.failed_cells + ' of ' + p.cells + '</span>'
      : '<span class="lv-ok">' + p.cells + ' pass</span>';
    if (p.error_cells) s += '<br><span class="muted">' + p.error_cells + ' not measured</span>';
    if (p.attach_failed_cells)
      s += '<br><span class="fail attach-fail" title="' + esc(p.attach_failure) + '">attach fails on ' + p.attach_failed_cells + '</span>';
    return s;
  }
  function numCell(k, v, extra) {
    return '<td class="num" data-col="' + k + '" data-v="' + (v == null ? '' : v) + '">' + extra + '</td>';
  }
  function rowHtml(p) {
    var k = key(p);
    return '<tr class="prog-row' + (S.prog === k ? ' sel' : '') + '" data-key="' + esc(k) + '">' +
      '<td data-col="name"><a href="#" data-prog="' + esc(k) + '">' + esc(k) + '</a></td>' +
      '<td data-col="type">' + esc(p.prog_type) + '</td>' +
      numCell('insns', p.insns, p.insns == null ? '<span class="fail">failed</span>' : fmt(p.insns)) +
      numCell('insns_pct', p.insns_pct, p.insns_pct == null ? '' : '<span class="lv-' + level(p.insns_pct) + '">' + pct(p.insns_pct) + '</span>' + bar(p.insns_pct)) +
      numCell('stack', p.stack, fmt(p.stack)) +
      numCell('stack_pct', p.stack_pct, p.stack_pct == null ? '' : pct(p.stack_pct) + bar(p.stack_pct)) +
      numCell('states', p.states, fmt(p.states)) +
      '<td data-col="status">' + statusCell(p) + '</td>' +
      '<td data-col="change">' + changeCell(p) + '</td>' +
      '<td data-col="flags">' + p.flags.map(function (f) {
        return '<span class="flagtxt" title="' + esc(f.kind + ': ' + f.detail + '; ' + f.cells) + '">' + esc(f.axis) + '</span>';
      }).join('') + '</td></tr>';
  }

  function kernelLabel(k) {
    var arches = {};
    D.kernels.forEach(function (x) { arches[x.arch] = 1; });
    return Object.keys(arches).length > 1 && k.arch ? k.label + ' ' + k.arch : k.label;
  }
  function heatCell(c) {
    if (!c) return '<td class="cell empty">&ndash;</td>';
    if (c.cell_error) return '<td class="cell cell-error" style="background:#c4c4c4">not measured</td>';
    if (c.verdict !== 'pass')
      return '<td class="cell cell-fail" style="background:#d73027;color:#fff">FAIL<br><small>' + esc(c.failure) + '</small></td>';
    var bg = { ok: '#a6d96a', warn: '#fee08b', error: '#fc8d59' }[level(c.insns_pct)];
    var att = c.attach === 'failed' || c.attach === 'load-failed'
      ? '<br><small class="attach-fail" title="' + esc(c.attach_error || '') + '">attach &times; ' + esc((c.attach_error || '').split(':')[0]) + '</small>' : '';
    return '<td class="cell cell-pass" data-v="' + c.insns + '" data-attach="' + esc(c.attach || '') + '" style="background:' + bg + (att ? ';box-shadow:inset 0 0 0 3px #d73027' : '') + '">' +
      fmt(c.insns) + '<br><small>' + pct(c.insns_pct) + '</small>' + att + '</td>';
  }
  function heatHead() {
    return '<tr><th>kernel \\ compiler</th>' + D.compilers.map(function (c) { return '<th>' + esc(c.label) + '</th>'; }).join('') + '</tr>';
  }
  function heatmap(p) {
    var h = '<table class="heat" data-prog="' + esc(key(p)) + '">' + heatHead();
    D.kernels.forEach(function (k, i) {
      h += '<tr><th class="kernel">' + esc(kernelLabel(k)) + '</th>' + p.heatmap[i].map(heatCell).join('') + '</tr>';
    });
    return h + '</table>';
  }
  function overview() {
    var h = '<table class="heat overview">' + heatHead();
    D.kernels.forEach(function (k, i) {
      h += '<tr><th class="kernel">' + esc(kernelLabel(k)) + '</th>';
      D.compilers.forEach(function (c, j) {
        var fails = 0, worst = null, n = 0;
        D.programs.forEach(function (p) {
          var x = p.heatmap[i][j];
          if (!x || x.cell_error) return;
          n++;
          if (x.verdict !== 'pass') fails++;
          else if (worst == null || x.insns_pct > worst) worst = x.insns_pct;
        });
        var bg = !n ? '#f4f4f4' : fails ? '#d73027' : { ok: '#a6d96a', warn: '#fee08b', error: '#fc8d59' }[level(worst)];
        h += '<td class="cell" style="background:' + bg + (fails ? ';color:#fff' : '') + '">' + (n ? (fails ? fails + ' of ' + n + ' fail' : n + ' pass') +
          (worst != null ? '<br><small>worst ' + pct(worst) + '</small>' : '') : '&ndash;') + '</td>';
      });
      h += '</tr>';
    });
    return h + '</table>';
  }

  /* The trend of one program: worst passing cell per run, failures as markers (never as values). */
  function trend(p) {
    var W = 600, H = 230, ml = 62, mr = 14, mt = 34, mb = 58, pw = W - ml - mr, ph = H - mt - mb;
    var n = D.runs.length, vals = [], s = [];
    p.trend.forEach(function (t) {
      if (!S.cells && t.insns != null) vals.push(t.insns);
      if (S.cells) t.by_cell.forEach(function (v) { if (v != null) vals.push(v); });
    });
    var lin = S.scale === 'linear';
    var vmax = vals.length ? Math.max.apply(null, vals) : 1, vmin = vals.length ? Math.min.apply(null, vals) : 100;
    var lo = lin ? 0 : Math.pow(10, Math.floor(Math.log10(Math.max(1, vmin)))), hi = lin ? niceCeil(vmax * 1.15) : LIMIT * 1.6;
    function y(v) {
      var f = lin ? (v - lo) / (hi - lo) : (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
      return mt + ph - f * ph;
    }
    function x(i) { return n > 1 ? ml + pw * i / (n - 1) : ml + pw / 2; }
    s.push('<svg class="trend" xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '" data-prog="' + esc(key(p)) + '">');
    s.push('<rect x="' + ml + '" y="' + mt + '" width="' + pw + '" height="' + ph + '" fill="#fbfcfe" stroke="#cfd5de"/>');
    yTicks(lo, hi, lin).forEach(function (v) {
      s.push('<line class="grid" x1="' + ml + '" x2="' + (ml + pw) + '" y1="' + y(v) + '" y2="' + y(v) + '"/>' +
        '<text x="' + (ml - 5) + '" y="' + (y(v) + 3) + '" text-anchor="end">' + short(v) + '</text>');
    });
    if (LIMIT <= hi) s.push('<line class="limit" x1="' + ml + '" x2="' + (ml + pw) + '" y1="' + y(LIMIT) + '" y2="' + y(LIMIT) + '"/>' +
      '<text x="' + (ml + pw - 2) + '" y="' + (y(LIMIT) - 3) + '" text-anchor="end" fill="#c62828">limit ' + short(LIMIT) + '</text>');
    else s.push('<text x="' + (ml + pw - 2) + '" y="' + (mt + 10) + '" text-anchor="end" fill="#c62828">limit ' + short(LIMIT) + ' above</text>');
    xTicks(s, x, mt + ph, n);
    s.push('<text x="' + (ml - 5) + '" y="' + (mt - 14) + '" text-anchor="end" fill="#c62828">failed</text>');
    s.push('<text transform="rotate(-90)" x="' + -(mt + ph / 2) + '" y="12" text-anchor="middle">' + (S.cells ? 'insns per cell' : 'insns (worst passing cell)') + '</text>');
    if (S.cells) cellSeries(s, p, x, y); else series(s, p, x, y);
    failures(s, p, x, mt - 18);
    s.push('</svg>');
    return s.join('');
  }
  function niceCeil(v) {
    var e = Math.pow(10, Math.floor(Math.log10(Math.max(v, 1)))), m = v / e;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e;
  }
  function yTicks(lo, hi, lin) {
    var t = [];
    if (lin) { for (var i = 0; i <= 5; i++) t.push(lo + (hi - lo) * i / 5); return t; }
    for (var v = lo; v <= hi; v *= 10) t.push(v);
    return t;
  }
  function short(v) {
    return v >= 1e6 ? +(v / 1e6).toFixed(2) + 'M' : v >= 1e3 ? +(v / 1e3).toFixed(1) + 'k' : String(Math.round(v));
  }
  function xTicks(s, x, y0, n) {
    var every = Math.max(1, Math.ceil(n / 10));
    D.runs.forEach(function (r, i) {
      s.push('<line x1="' + x(i) + '" x2="' + x(i) + '" y1="' + y0 + '" y2="' + (y0 + 4) + '" stroke="#8a93a0"/>');
      if (i % every && i !== n - 1) return;
      var part = r.status !== 'complete';
      s.push('<text class="tick' + (part ? ' run-partial' : '') + '" data-run="' + r.id + '" x="' + x(i) + '" y="' + (y0 + 15) + '" text-anchor="middle">' +
        '<title>' + esc(runName(r) + ' ' + r.status + (r.git_commit ? ' commit ' + r.git_commit : '')) + '</title>' + esc(r.tick) + (part ? '*' : '') + '</text>' +
        '<text x="' + x(i) + '" y="' + (y0 + 27) + '" text-anchor="middle" fill="#7a8290">' + esc(r.started.slice(5, 10)) + '</text>');
    });
    s.push('<text x="' + (x(0) + x(n - 1)) / 2 + '" y="' + (y0 + 44) + '" text-anchor="middle">run (label or commit; date' +
      (D.runs.some(function (r) { return r.status !== 'complete'; }) ? '; * partial run' : '') + ')</text>');
  }
  function series(s, p, x, y) {
    /* the line joins runs where every cell passed: where some failed, the worst passing cell is another one */
    var pts = [], prev = -2;
    p.trend.forEach(function (t) {
      var i = runIndex[t.run];
      if (t.insns == null) { prev = -2; return; }
      if (prev !== i - 1 || !pts.length || t.failed) pts.push([]);
      if (t.failed) { pts[pts.length - 1].push(x(i) + ',' + y(t.insns)); prev = -2; return; }
      pts[pts.length - 1].push(x(i) + ',' + y(t.insns));
      prev = i;
    });
    pts.forEach(function (seg) { if (seg.length > 1) s.push('<polyline class="line" points="' + seg.join(' ') + '"/>'); });
    p.trend.forEach(function (t) {
      if (t.insns == null) return;
      var i = runIndex[t.run];
      s.push('<circle class="pt" r="3.5" cx="' + x(i) + '" cy="' + y(t.insns) + '" data-run="' + t.run + '" data-v="' + t.insns + '">' +
        '<title>' + esc(runName(runById(t.run))) + ': ' + fmt(t.insns) + ' insns, ' + fmt(t.states) + ' states (worst of ' + (t.cells - t.failed) + ' passing cells)</title></circle>');
    });
  }
  /* one line per heatmap cell (kernel x compiler of the latest run); a failed cell has no value */
  function cellName(q) { return kernelLabel(D.kernels[Math.floor(q / D.compilers.length)]) + ' ' + D.compilers[q % D.compilers.length].label; }
  function cellSeries(s, p, x, y) {
    var n = D.kernels.length * D.compilers.length;
    for (var q = 0; q < n; q++) {
      var col = PALETTE[q % PALETTE.length], seg = [], segs = [seg], prev = -2;
      p.trend.forEach(function (t) {
        var i = runIndex[t.run], v = t.by_cell[q];
        if (v == null) { prev = -2; return; }
        if (prev !== i - 1 && seg.length) { seg = []; segs.push(seg); }
        seg.push([i, v, t.run]);
        prev = i;
      });
      segs.forEach(function (g) {
        if (g.length > 1) s.push('<polyline fill="none" stroke-width="1.8" stroke="' + col + '" points="' + g.map(function (e) { return x(e[0]) + ',' + y(e[1]); }).join(' ') + '"/>');
        g.forEach(function (e) {
          s.push('<circle class="pt cellpt" r="3" fill="' + col + '" cx="' + x(e[0]) + '" cy="' + y(e[1]) + '" data-run="' + e[2] + '" data-cell="' + q + '" data-v="' + e[1] + '">' +
            '<title>' + esc(runName(runById(e[2])) + ', ' + cellName(q)) + ': ' + fmt(e[1]) + ' insns</title></circle>');
        });
      });
    }
  }
  function cellLegend(p) {
    if (!S.cells) return '';
    var n = D.kernels.length * D.compilers.length, out = [];
    for (var q = 0; q < n; q++) {
      var has = p.trend.some(function (t) { return t.by_cell[q] != null || t.failed_on.indexOf(q) >= 0; });
      if (has) out.push('<span style="white-space:nowrap"><i style="display:inline-block;width:10px;height:10px;background:' + PALETTE[q % PALETTE.length] + '"></i> ' + esc(cellName(q)) + '</span>');
    }
    return '<div class="legend">' + out.join(' &nbsp; ') + '</div>';
  }
  function failures(s, p, x, yf) {
    p.trend.forEach(function (t) {
      if (!t.failed) return;
      var cx = x(runIndex[t.run]), d = 5;
      s.push('<g class="fail-marker" data-run="' + t.run + '"><title>' + esc(runName(runById(t.run))) + ': fails on ' + t.failed + ' of ' + t.cells + ' cells: ' + esc(t.failure) + '</title>' +
        '<line x1="' + (cx - d) + '" y1="' + (yf - d) + '" x2="' + (cx + d) + '" y2="' + (yf + d) + '"/>' +
        '<line x1="' + (cx - d) + '" y1="' + (yf + d) + '" x2="' + (cx + d) + '" y2="' + (yf - d) + '"/></g>');
    });
  }

  function card(p) {
    var k = key(p);
    return '<div class="card" id="card-' + esc(k) + '" data-key="' + esc(k) + '"><h3>' + esc(k) + ' <small class="muted">' + esc(p.prog_type) + '</small></h3>' +
      (p.failure ? '<div class="fail">latest run: ' + esc(p.failure) + '</div>' : '') +
      p.flags.map(function (f) { return '<div class="flagtxt">&#9873; ' + esc(f.axis) + (f.detail ? ' (' + esc(f.detail) + ')' : '') + '</div>'; }).join('') +
      heatmap(p) + trend(p) + cellLegend(p) + '</div>';
  }

  function renderTable() {
    var rows = visible();
    el('count').textContent = rows.length + ' of ' + D.programs.length + ' programs';
    el('prog-body').innerHTML = rows.map(rowHtml).join('');
    Array.prototype.forEach.call(document.querySelectorAll('.progs th'), function (th) {
      var k = th.getAttribute('data-sort');
      th.className = k === S.sort ? 'sorted-' + (S.dir || colDir(k)) : '';
    });
    var shown = S.prog ? rows.filter(function (p) { return key(p) === S.prog; }) : [];
    if (!shown.length) shown = rows.slice(0, S.limit);
    el('cards').innerHTML = shown.map(card).join('');
    el('more').innerHTML = !S.prog && rows.length > S.limit ? '<button id="more-btn">show ' + Math.min(40, rows.length - S.limit) + ' more of ' + (rows.length - S.limit) + '</button>' : '';
    el('scale').value = S.scale;
    el('lines').value = S.cells ? 'cells' : 'worst';
    writeHash();
  }

  function header() {
    var last = D.latest_run != null ? runById(D.latest_run) : null, base = D.baseline_run != null ? runById(D.baseline_run) : null;
    var fl = D.flags.length;
    el('summary').innerHTML = last ? 'Latest run ' + esc(runName(last)) + ', ' + esc(last.status) + (last.git_commit ? ', commit <code>' + esc(last.git_commit.slice(0, 12)) + '</code>' : '') +
      '; baseline ' + (base ? esc(runName(base)) : 'none (no earlier complete run)') + '; ' + D.programs.length + ' programs, ' +
      fl + ' flag' + (fl === 1 ? '' : 's') + ', ' + D.runs.length + ' runs in history.' : 'The store holds no runs.';
  }

  function flagsHtml() {
    if (!D.flags.length) return '<p>None.</p>';
    return D.flags.map(function (f) {
      return '<div class="flag"><b>' + esc(f.object + '/' + f.prog) + '</b>: ' + esc(f.axis) + ' <code>' + esc(f.kind) + '</code><br>' + esc(f.detail) +
        '<br><small>' + esc(f.cells) + '</small>' + (f.log ? '<details><summary>verifier log excerpt</summary><pre>' + esc(f.log) + '</pre></details>' : '') + '</div>';
    }).join('');
  }
  function covHtml() {
    if (!D.coverage.length) return '<p class="muted">No coverage given (<code>bpfgauge dashboard --coverage RUN=FILE.info</code>).</p>';
    function k(o) { return o.found ? o.percent.toFixed(1) + '% <span class="muted">(' + fmt(o.hit) + ' of ' + fmt(o.found) + ')</span>' : 'n/a'; }
    return '<table class="cov"><tr><th>run</th><th>tracefile</th><th>files</th><th>lines</th><th>functions</th><th>branches</th><th>report</th></tr>' +
      D.coverage.map(function (c) {
        var r = runById(c.run);
        return '<tr class="cov-row" data-run="' + c.run + '" data-lines-found="' + c.lines.found + '" data-lines-hit="' + c.lines.hit + '"><td>' + esc(r ? runName(r) : '#' + c.run) + '</td><td>' + esc(c.file) +
          '</td><td class="num">' + c.files + '</td><td>' + k(c.lines) + '</td><td>' + k(c.functions) + '</td><td>' + k(c.branches) + '</td><td>' +
          (c.genhtml ? '<a class="genhtml" href="' + esc(c.genhtml) + '">genhtml report</a>' : '') + '</td></tr>';
      }).join('') + '</table>';
  }
  function runsHtml() {
    return '<table class="runs"><tr><th>run</th><th>started</th><th>status</th><th>branch</th><th>commit</th><th>label</th><th>cells</th><th>not measured</th></tr>' +
      D.runs.slice().reverse().map(function (r) {
        return '<tr><td>#' + r.id + (r.id === D.baseline_run ? ' <small class="muted">baseline</small>' : '') + '</td><td>' + esc(r.started) + '</td><td' + (r.status !== 'complete' ? ' class="fail"' : '') + '>' + esc(r.status) +
          '</td><td>' + esc(r.branch) + '</td><td><code>' + esc(r.git_commit.slice(0, 12)) + (r.git_dirty === 1 ? '+' : '') + '</code></td><td>' + esc(r.label) + '</td><td class="num">' + r.cells + '</td><td class="num">' + r.cell_errors + '</td></tr>';
      }).join('') + '</table>';
  }

  function skeleton() {
    var th = COLS.map(function (c) { return '<th data-sort="' + c[0] + '">' + c[1] + '</th>'; }).join('');
    el('app').innerHTML =
      '<h2>Programs</h2><div class="controls"><input type="search" id="filter" placeholder="filter: name, type, flag text"> ' +
      '<label><input type="checkbox" id="flagged"> flagged or failing only</label> <label>trend scale <select id="scale"><option value="log">log</option>' +
      '<option value="linear">linear</option></select></label> <label>lines <select id="lines"><option value="worst">worst passing cell</option>' +
      '<option value="cells">every kernel &times; compiler</option></select></label> <span id="count" class="muted"></span></div>' +
      '<p class="legend">Headroom on the latest run: the worst passing cell (kernel &times; compiler) of each program; insns as % of the ' + short(LIMIT) +
      ' limit, stack as % of ' + D.limits.stack + ' bytes. Green up to ' + D.levels.warn_pct + '%, yellow up to ' + D.levels.error_pct + '% (the policy), orange above; failures in red. ' +
      'Change: the cell that moved most since the baseline run.</p>' +
      '<div class="scroll"><table class="progs" id="programs"><thead><tr>' + th + '</tr></thead><tbody id="prog-body"></tbody></table></div>' +
      '<h2>Kernel &times; compiler overview (latest run)</h2>' + overview() +
      '<h2>Programs: heatmap and trend</h2><p class="legend">Trend: processed insns of the worst passing cell per run (or of every kernel &times; compiler cell: <i>lines</i> above); a red &times; in the top band marks a run where the program failed on some cell (its insns are not plotted; the line breaks there). Dashed red: the ' +
      short(LIMIT) + ' limit.</p><div class="cards" id="cards"></div><div class="more" id="more"></div>' +
      '<h2>Flagged regressions (' + D.flags.length + ')</h2><div id="flags">' + flagsHtml() + '</div>' +
      '<h2>Coverage</h2><div id="coverage">' + covHtml() + '</div>' +
      '<h2>Runs</h2><div id="runs">' + runsHtml() + '</div>';
  }

  function wire() {
    el('filter').value = S.filter;
    el('flagged').checked = S.flagged;
    el('filter').addEventListener('input', function (e) { S.filter = e.target.value; S.prog = ''; renderTable(); });
    el('flagged').addEventListener('change', function (e) { S.flagged = e.target.checked; renderTable(); });
    el('scale').addEventListener('change', function (e) { S.scale = e.target.value; renderTable(); });
    el('lines').addEventListener('change', function (e) { S.cells = e.target.value === 'cells'; renderTable(); });
    document.querySelector('.progs thead').addEventListener('click', function (e) {
      var k = e.target.getAttribute('data-sort');
      if (!k) return;
      var cur = S.dir || colDir(S.sort);
      S.dir = k === S.sort ? (cur === 'asc' ? 'desc' : 'asc') : '';
      S.sort = k;
      renderTable();
    });
    el('prog-body').addEventListener('click', function (e) {
      var k = e.target.getAttribute('data-prog');
      if (k == null) return;
      e.preventDefault();
      S.prog = S.prog === k ? '' : k;
      renderTable();
      if (S.prog) el('cards').scrollIntoView();
    });
    el('more').addEventListener('click', function () { S.limit += 40; renderTable(); });
  }

  readHash();
  header();
  skeleton();
  wire();
  renderTable();
})();
