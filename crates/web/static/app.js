// qiaolian: progressive enhancements; every page works without them.
(function () {
  // A picker's search. A busy server (503) or a dropped connection is asked again after
  // a pause, twice; if it still fails the query is forgotten, so typing it again
  // searches anew instead of showing "no results" for good (Tom Select remembers every
  // query it has loaded, failed or not).
  function search(picker, url, q, done) {
    var tries = 0;
    (function attempt() {
      fetch(url + encodeURIComponent(q), { credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) { throw r; } return r.json(); })
        .then(function (j) { done(j.items || []); })
        .catch(function (e) {
          var again = !e || !e.status || e.status === 503;
          if (again && ++tries < 3) { setTimeout(attempt, 1000 * tries); return; }
          delete picker.loadedSearches[q];
          done();
        });
    })();
  }
  function enhance(root) {
    root.querySelectorAll('select[data-searchable]:not(.tomselected)').forEach(function (el) {
      new TomSelect(el, { maxOptions: 300, allowEmptyOption: true });
    });
    root.querySelectorAll('select[data-org-picker]:not(.tomselected)').forEach(function (el) {
      // An empty option with a label ("none") is a real choice; a blank one is not.
      var empty = el.querySelector('option[value=""]');
      new TomSelect(el, {
        valueField: 'id', labelField: 'name', searchField: ['name', 'short_name'],
        allowEmptyOption: !!(empty && empty.textContent.trim()), preload: 'focus', maxOptions: 50,
        placeholder: el.dataset.placeholder || '',
        load: function (q, done) { search(this, '/api/v1/orgs?per_page=50&q=', q, done); },
        render: {
          option: function (o, esc) {
            return '<div>' + esc(o.name) + (o.parent_name ? ' <small class="text-secondary">' + esc(o.parent_name) + '</small>' : '') + '</div>';
          }
        }
      });
    });
    // People of the directory, as the user may find them; lists carry no contacts.
    root.querySelectorAll('select[data-person-picker]:not(.tomselected)').forEach(function (el) {
      new TomSelect(el, {
        valueField: 'id', labelField: 'name', searchField: ['name', 'foreign_name', 'pinyin'],
        allowEmptyOption: false, preload: false, maxOptions: 50,
        placeholder: el.dataset.placeholder || '',
        load: function (q, done) { search(this, '/api/v1/people?per_page=50&q=', q, done); },
        render: {
          option: function (o, esc) {
            return '<div>' + esc(o.name) + (o.foreign_name ? ' <small>' + esc(o.foreign_name) + '</small>' : '') +
              ' <small class="text-secondary">' + esc(o.residence_country_zh || '') + ' · ' + esc(o.owner_org_name) + '</small></div>';
          }
        }
      });
    });
  }
  document.addEventListener('click', function (e) {
    var t = e.target.closest && e.target.closest('.tree-toggle');
    if (!t) { return; }
    var list = document.getElementById(t.getAttribute('aria-controls'));
    var open = t.getAttribute('aria-expanded') !== 'true';
    t.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (list) { list.hidden = !open; }
  });
  // Receipts print from a button: no inline script (CSP).
  document.addEventListener('click', function (e) {
    if (e.target.closest && e.target.closest('[data-print]')) { window.print(); }
  });
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  }, true);
  // Charts read their data from a data-chart attribute: no inline scripts (CSP).
  function charts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll('#exchange-trend[data-chart]').forEach(function (el) {
      var d = JSON.parse(el.dataset.chart);
      var chart = echarts.init(el);
      chart.setOption({
        grid: { left: 40, right: 16, top: 24, bottom: 28 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: d.years },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ name: el.dataset.label, type: 'bar', data: d.counts, itemStyle: { color: '#b91c1c' }, label: { show: true, position: 'top' } }]
      });
      window.addEventListener('resize', function () { chart.resize(); });
    });
    // Landing: amounts signed and landed as bars, the landing rate by amount as a line.
    root.querySelectorAll('#landing-chart[data-chart]').forEach(function (el) {
      var d = JSON.parse(el.dataset.chart);
      var chart = echarts.init(el);
      chart.setOption({
        grid: { left: 48, right: 48, top: 40, bottom: 28, containLabel: true },
        tooltip: { trigger: 'axis' },
        legend: { top: 0, data: d.names },
        xAxis: { type: 'category', data: d.labels, axisLabel: { interval: 0, hideOverlap: true } },
        yAxis: [{ type: 'value' }, { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } }],
        series: [
          { name: d.names[0], type: 'bar', barMaxWidth: 56, data: d.signed, itemStyle: { color: '#1d4ed8' } },
          { name: d.names[1], type: 'bar', barMaxWidth: 56, data: d.landed, itemStyle: { color: '#15803d' } },
          { name: d.names[2], type: 'line', yAxisIndex: 1, data: d.rate, itemStyle: { color: '#b91c1c' },
            label: { show: true, position: 'top', color: '#b91c1c', fontWeight: 'bold', formatter: '{c}%' }, tooltip: { valueFormatter: function (v) { return v == null ? '—' : v + '%'; } } }
        ]
      });
      window.addEventListener('resize', function () { chart.resize(); });
    });
    // Country coverage: a world map coloured by how many people and associations each
    // country has; a click opens that country's people.
    root.querySelectorAll('#coverage-map[data-chart]').forEach(function (el) {
      var d = JSON.parse(el.dataset.chart);
      fetch(el.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
        echarts.registerMap('world', geo);
        var chart = echarts.init(el);
        chart.setOption({
          tooltip: { trigger: 'item', formatter: function (p) { return p.data ? p.data.label + '：' + p.data.value : ''; } },
          // On a phone the scale lies under the map instead of over the Americas.
          visualMap: Object.assign({ min: 0, max: Math.max(d.max, 1), calculable: true, text: d.legend,
            inRange: { color: ['#fde2e2', '#b91c1c'] } },
            el.clientWidth < 576 ? { orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120 } : { left: 8, bottom: 8 }),
          series: [{ type: 'map', map: 'world', roam: true, data: d.rows, label: { show: false },
            emphasis: { label: { show: false }, itemStyle: { areaColor: '#f59f00' } } }]
        });
        chart.on('click', function (p) { if (p.data && p.data.href) { window.location.href = p.data.href; } });
        window.addEventListener('resize', function () { chart.resize(); });
      });
    });
    // The battle map: regions coloured by the figure picked, lines between paired
    // regions, a mechanism's regions outlined; a click opens the region's own map.
    root.querySelectorAll('#chuanyu-map[data-map]').forEach(function (el) {
      var d = JSON.parse(el.dataset.map);
      var keySel = document.getElementById('map-key');
      var spanSel = document.getElementById('map-span');
      var query = window.location.search.replace(/^\?/, '').split('&').filter(function (p) {
        return /^(from|to)=/.test(p);
      }).join('&');
      fetch(d.geo).then(function (r) { return r.json(); }).then(function (geo) {
        var centre = {};
        geo.features.forEach(function (f) { centre[f.properties.code] = f.properties.cp; });
        echarts.registerMap('chuanyu', geo);
        var chart = echarts.init(el);
        function draw() {
          var k = Number(keySel ? keySel.value : 0);
          var money = d.keys[k].money;
          var data = d.areas.map(function (a) {
            var v = a.in_scope ? a.values[k] : null;
            return { name: a.code, value: v == null ? NaN : v, area: a, text: a.in_scope ? (money ? a.money[k] : String(v)) : null };
          });
          var max = Math.max.apply(null, d.areas.map(function (a) { return a.in_scope ? a.values[k] : 0; }).concat([1]));
          var span = spanSel && spanSel.value !== '' ? d.spans[Number(spanSel.value)] : null;
          var regions = span ? span.areas.map(function (c) {
            return { name: c, itemStyle: { borderColor: '#f59f00', borderWidth: 3 } };
          }) : [];
          var lines = d.lines.filter(function (l) { return centre[l.from] && centre[l.to]; }).map(function (l) {
            return { coords: [centre[l.from], centre[l.to]], lineStyle: { width: Math.min(1 + Math.log2(l.n), 6) }, href: l.href, label: l.label };
          });
          chart.setOption({
            // The tooltip is HTML: every name in it is escaped (organizations are named by users).
            tooltip: { trigger: 'item', formatter: function (p) {
              var esc = echarts.format.encodeHTML;
              if (p.seriesType === 'lines') { return esc(p.data.label); }
              var a = p.data && p.data.area;
              if (!a) { return esc(p.name); }
              if (!a.org) { return esc(a.name) + '<br>' + esc(d.none); }
              if (!a.in_scope) { return esc(a.name) + '<br>' + esc(d.out_of_scope); }
              return esc(a.name) + '（' + esc(a.org) + '）<br>' + esc(d.keys[k].label) + '：' + esc(p.data.text) + '<br>' + esc(d.open);
            } },
            visualMap: Object.assign({ min: 0, max: max, calculable: true, seriesIndex: 0,
              inRange: { color: ['#fee2e2', '#b91c1c'] }, outOfRange: { color: '#f1f5f9' },
              formatter: function (v) { return money ? (v / 1000000).toFixed(0) : Math.round(v); } },
              el.clientWidth < 576 ? { orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 100 } : { left: 8, bottom: 8 }),
            geo: { map: 'chuanyu', nameProperty: 'code', roam: true, regions: regions,
              layoutCenter: ['50%', '50%'], layoutSize: '98%',
              itemStyle: { areaColor: '#f1f5f9', borderColor: '#94a3b8' },
              emphasis: { label: { show: false }, itemStyle: { areaColor: '#f59f00' } } },
            series: [
              { type: 'map', geoIndex: 0, data: data },
              { type: 'lines', coordinateSystem: 'geo', zlevel: 1, data: lines,
                lineStyle: { color: '#1d4ed8', opacity: 0.6, curveness: 0.2 } }
            ]
          }, { replaceMerge: ['series'] });
        }
        draw();
        chart.on('click', function (p) {
          if (p.seriesType === 'lines' && p.data.href) { window.location.href = p.data.href; return; }
          var a = p.data && p.data.area;
          if (a && a.org_id) { window.location.href = '/dashboard?org=' + a.org_id + (query ? '&' + query : ''); }
        });
        if (keySel) { keySel.addEventListener('change', draw); }
        if (spanSel) { spanSel.addEventListener('change', draw); }
        window.addEventListener('resize', function () { chart.resize(); });
      });
    });
    // The dashboard's trend: one figure year by year; a bar opens that year's records.
    root.querySelectorAll('#dashboard-trend[data-trend]').forEach(function (el) {
      var d = JSON.parse(el.dataset.trend);
      var sel = document.getElementById('trend-key');
      var chart = echarts.init(el);
      function draw() {
        var s = d.series[Number(sel ? sel.value : 0)];
        chart.setOption({
          grid: { left: 48, right: 16, top: 28, bottom: 28, containLabel: true },
          tooltip: { trigger: 'axis', valueFormatter: function (v) { return s.unit ? v + ' ' + s.unit : v; } },
          xAxis: { type: 'category', data: d.years },
          yAxis: { type: 'value', name: s.unit, minInterval: s.unit ? 0 : 1 },
          series: [{ name: s.label, type: 'bar', barMaxWidth: 48, data: s.values, itemStyle: { color: '#b91c1c' },
            label: { show: true, position: 'top' } }]
        });
      }
      draw();
      chart.on('click', function (p) {
        var s = d.series[Number(sel ? sel.value : 0)];
        if (s.hrefs[p.dataIndex]) { window.location.href = s.hrefs[p.dataIndex]; }
      });
      if (sel) { sel.addEventListener('change', draw); }
      window.addEventListener('resize', function () { chart.resize(); });
    });
  }
  // Tables a leader ranks: a heading's button sorts by its column (numbers by their
  // data-value), again to reverse.
  document.addEventListener('click', function (e) {
    var btn = e.target.closest && e.target.closest('table[data-sortable] .table-sort');
    if (!btn) { return; }
    var th = btn.closest('th');
    var table = th.closest('table');
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var desc = th.getAttribute('aria-sort') !== 'descending';
    table.querySelectorAll('th[aria-sort]').forEach(function (h) {
      h.removeAttribute('aria-sort');
      h.querySelector('.table-sort').classList.remove('asc', 'desc');
    });
    th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
    btn.classList.add(desc ? 'desc' : 'asc');
    var numeric = th.dataset.sort === 'num';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col];
      var c = numeric ? Number(x.dataset.value) - Number(y.dataset.value)
        : x.textContent.trim().localeCompare(y.textContent.trim(), document.documentElement.lang || 'zh-CN');
      return desc ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
  document.addEventListener('DOMContentLoaded', function () { enhance(document); charts(document); });
  document.addEventListener('htmx:load', function (e) { enhance(e.target); });
})();
