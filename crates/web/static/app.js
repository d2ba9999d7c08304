// qiaolian: progressive enhancements; every page works without them.
(function () {
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
        load: function (q, done) {
          fetch('/api/v1/orgs?per_page=50&q=' + encodeURIComponent(q), { credentials: 'same-origin' })
            .then(function (r) { return r.json(); })
            .then(function (j) { done(j.items || []); })
            .catch(function () { done(); });
        },
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
        load: function (q, done) {
          fetch('/api/v1/people?per_page=50&q=' + encodeURIComponent(q), { credentials: 'same-origin' })
            .then(function (r) { return r.json(); })
            .then(function (j) { done(j.items || []); })
            .catch(function () { done(); });
        },
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
  }
  document.addEventListener('DOMContentLoaded', function () { enhance(document); charts(document); });
  document.addEventListener('htmx:load', function (e) { enhance(e.target); });
})();
