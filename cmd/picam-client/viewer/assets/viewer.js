// picam-client viewer: one tile per camera. Each tile reads /stream/PORT with fetch() (a
// length-prefixed sequence of JSON meta + payload), draws JPEG pictures on a canvas and decodes
// H.264 with WebCodecs. window.picam.tiles exposes per-tile counters for tests.
'use strict';

const tiles = new Map();
window.picam = { tiles: {} };

class Tile {
  constructor(port) {
    this.port = port;
    this.el = document.createElement('div');
    this.el.className = 'tile waiting';
    this.el.dataset.port = port;
    this.canvas = document.createElement('canvas');
    this.canvas.width = 320; this.canvas.height = 240;
    this.ctx = this.canvas.getContext('2d');
    this.title = document.createElement('div'); this.title.className = 'title';
    this.title.textContent = 'port ' + port;
    this.note = document.createElement('div'); this.note.className = 'note';
    this.note.textContent = 'waiting for the server…';
    this.overlay = document.createElement('div'); this.overlay.className = 'overlay';
    this.el.append(this.canvas, this.title, this.note, this.overlay);
    this.stats = { received: 0, drawn: 0, errors: 0, codec: '', keyframes: 0 };
    window.picam.tiles[port] = this.stats;
    this.window = [];         // [receivedAtMs, bytes] for fps and bit rate
    this.latency = [];        // capture -> on screen, ms
    this.status = null;       // from /api/cameras
    this.decoder = null; this.decoderCodec = ''; this.needKey = true;
    this.jpegBusy = false; this.jpegNext = null;
    this.run();
  }

  async run() {
    for (;;) {
      try {
        await this.read();
      } catch (e) {
        this.stats.errors++;
      }
      this.resetDecoder();
      await new Promise(r => setTimeout(r, 1000));
    }
  }

  async read() {
    const resp = await fetch('/stream/' + this.port, { cache: 'no-store' });
    if (!resp.ok) throw new Error('HTTP ' + resp.status);
    const reader = resp.body.getReader();
    let buf = new Uint8Array(0);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const joined = new Uint8Array(buf.length + value.length);
      joined.set(buf); joined.set(value, buf.length);
      buf = joined;
      let off = 0;
      for (;;) {
        if (buf.length - off < 4) break;
        const dv = new DataView(buf.buffer, buf.byteOffset + off);
        const mlen = dv.getUint32(0);
        if (buf.length - off < 8 + mlen) break;
        const dlen = new DataView(buf.buffer, buf.byteOffset + off + 4 + mlen).getUint32(0);
        if (buf.length - off < 8 + mlen + dlen) break;
        const meta = JSON.parse(new TextDecoder().decode(buf.subarray(off + 4, off + 4 + mlen)));
        const data = buf.slice(off + 8 + mlen, off + 8 + mlen + dlen);
        off += 8 + mlen + dlen;
        this.packet(meta, data);
      }
      buf = buf.slice(off);
    }
  }

  packet(meta, data) {
    this.stats.received++;
    this.stats.codec = meta.c;
    if (meta.k) this.stats.keyframes++;
    const now = performance.now();
    this.window.push([now, data.length]);
    while (this.window.length && now - this.window[0][0] > 1000) this.window.shift();
    if (meta.c === 'jpeg') this.jpeg(meta, data);
    else if (meta.c === 'h264') this.h264(meta, data);
  }

  shown(meta) {
    this.stats.drawn++;
    this.el.classList.remove('waiting');
    this.note.textContent = '';
    if (meta.t > 0) {
      this.latency.push(Date.now() - meta.t / 1000);
      if (this.latency.length > 30) this.latency.shift();
    }
  }

  jpeg(meta, data) {
    // Decode one picture at a time; while one decodes, keep only the newest waiting one.
    if (this.jpegBusy) { this.jpegNext = [meta, data]; return; }
    this.jpegBusy = true;
    createImageBitmap(new Blob([data], { type: 'image/jpeg' })).then(bmp => {
      this.size(bmp.width, bmp.height);
      this.ctx.drawImage(bmp, 0, 0);
      bmp.close();
      this.shown(meta);
    }).catch(() => { this.stats.errors++; }).finally(() => {
      this.jpegBusy = false;
      const next = this.jpegNext; this.jpegNext = null;
      if (next) this.jpeg(next[0], next[1]);
    });
  }

  h264(meta, data) {
    if (typeof VideoDecoder === 'undefined') {
      this.note.textContent = 'H.264 needs WebCodecs: use a current Chrome, Edge, Firefox or Safari, on http://127.0.0.1 or https';
      return;
    }
    if (meta.k && meta.cs && (this.decoder === null || meta.cs !== this.decoderCodec)) {
      this.resetDecoder();
      const pending = new Map();
      this.pending = pending;
      this.decoder = new VideoDecoder({
        output: frame => {
          const m = pending.get(frame.timestamp) || meta;
          pending.delete(frame.timestamp);
          this.size(frame.displayWidth, frame.displayHeight);
          this.ctx.drawImage(frame, 0, 0);
          frame.close();
          this.shown(m);
        },
        error: () => { this.stats.errors++; this.decoder = null; this.needKey = true; },
      });
      this.decoder.configure({ codec: meta.cs, optimizeForLatency: true });
      this.decoderCodec = meta.cs;
      this.needKey = true;
    }
    if (!this.decoder || this.decoder.state !== 'configured') return;
    if (this.needKey && !meta.k) return;
    if (this.decoder.decodeQueueSize > 8 && !meta.k) { this.needKey = true; return; }
    this.needKey = false;
    const ts = this.tsCounter = (this.tsCounter || 0) + 1;
    this.pending.set(ts, meta);
    if (this.pending.size > 64) this.pending.delete(this.pending.keys().next().value);
    try {
      this.decoder.decode(new EncodedVideoChunk({ type: meta.k ? 'key' : 'delta', timestamp: ts, data }));
    } catch (e) {
      this.stats.errors++; this.needKey = true;
    }
  }

  resetDecoder() {
    if (this.decoder && this.decoder.state !== 'closed') {
      try { this.decoder.close(); } catch (e) { /* already closed */ }
    }
    this.decoder = null; this.needKey = true;
  }

  size(w, h) {
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w; this.canvas.height = h;
    }
  }

  render() {
    const st = this.status || {};
    const bytes = this.window.reduce((a, e) => a + e[1], 0);
    const fps = this.window.length;
    const lat = this.latency.length ? [...this.latency].sort((a, b) => a - b)[this.latency.length >> 1] : null;
    const parts = [
      (st.codec || this.stats.codec || '?') + (st.width ? ' ' + st.width + 'x' + st.height : ''),
      fps + ' fps',
      (bytes * 8 / 1e6).toFixed(2) + ' Mbit/s',
      lat === null ? 'latency –' : 'latency ' + Math.round(lat) + ' ms',
      st.state || 'waiting',
    ];
    if (st.gaps) parts.push(st.gaps + ' gaps');
    let text = parts.join(' · ');
    if (st.message !== undefined && st.message !== null) {
      text += '\nmessage: ' + (typeof st.message === 'string' ? st.message : JSON.stringify(st.message));
    }
    this.overlay.textContent = text;
    if (!this.stats.drawn) this.note.textContent = st.state === 'streaming' ? 'starting…' : 'waiting for the server…';
  }
}

async function poll() {
  try {
    const resp = await fetch('/api/cameras', { cache: 'no-store' });
    const { cameras } = await resp.json();
    for (const cam of cameras) {
      let t = tiles.get(cam.port);
      if (!t) {
        t = new Tile(cam.port);
        tiles.set(cam.port, t);
        document.getElementById('tiles').append(t.el);
      }
      t.status = cam;
    }
    document.getElementById('summary').textContent = cameras.length + (cameras.length === 1 ? ' camera' : ' cameras') +
      ' · ports ' + cameras.map(c => c.port).join(', ');
  } catch (e) {
    document.getElementById('summary').textContent = 'picam-client is not running (' + e.message + ')';
  }
}

setInterval(() => { for (const t of tiles.values()) t.render(); }, 250);
setInterval(poll, 1000);
poll();
