#!/usr/bin/python3
"""Rebuild the classify page's sample photos in static/samples/ from Debian packages.

    apt-get install -y python3-skimage python3-pil
    apt-get download tuxpaint-stamps-default && dpkg-deb -x tuxpaint-stamps-default_*.deb /tmp/tuxpaint
    /usr/bin/python3 scripts/make-samples.py /tmp/tuxpaint

Photos are shrunk to at most 640 px and saved as JPEG (quality 85); the Tux Paint stamps are
cut-outs with a transparent background, so they are centred on a square of plain grey with a
margin (the page takes the centred square, and CIFAR-10 pictures have no transparency).
Licences and credits: static/samples/LICENSES.md.
"""
import os
import sys

from PIL import Image

SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data/'
STAMPS = os.path.join(sys.argv[1] if len(sys.argv) > 1 else '/tmp/tuxpaint', 'usr/share/tuxpaint/stamps/')
OUT = os.path.join(os.path.dirname(__file__), '..', 'static', 'samples')
GREY = (200, 200, 195)

PHOTOS = {'cat-chelsea.jpg': SKIMAGE + 'chelsea.png'}
SILHOUETTES = {'horse-silhouette.png': SKIMAGE + 'horse.png'}
CUTOUTS = {
    'airplane-747.jpg': 'vehicles/flight/planes/747.png',
    'automobile-beetle.jpg': 'vehicles/auto/beetle.png',
    'bird-blackbird.jpg': 'animals/birds/blackbird.png',
    'deer.jpg': 'animals/mammals/deer/deer.png',
    'dog.jpg': 'animals/mammals/dogs/dog.png',
    'frog.jpg': 'animals/amphibians/frog.png',
    'ship-junk.jpg': 'vehicles/ship/chineseJunk.png',
    'truck-fire-engine.jpg': 'vehicles/emergency/firetruck.png',
}

os.makedirs(OUT, exist_ok=True)
for name, path in PHOTOS.items():
    im = Image.open(path).convert('RGB')
    im.thumbnail((640, 640), Image.LANCZOS)
    im.save(os.path.join(OUT, name), quality=85, optimize=True, progressive=True)
for name, path in SILHOUETTES.items():
    im = Image.open(path).convert('L')
    im.save(os.path.join(OUT, name), optimize=True)
for name, path in CUTOUTS.items():
    im = Image.open(STAMPS + path).convert('RGBA')
    if max(im.size) > 556:
        im.thumbnail((556, 556), Image.LANCZOS)
    w, h = im.size
    side = int(max(w, h) * 1.15)
    canvas = Image.new('RGB', (side, side), GREY)
    canvas.paste(im, ((side - w) // 2, (side - h) // 2), im)
    canvas.save(os.path.join(OUT, name), quality=85, optimize=True, progressive=True)
for f in sorted(os.listdir(OUT)):
    if f.endswith(('.jpg', '.png')):
        im = Image.open(os.path.join(OUT, f))
        print(f'{f:28} {im.size[0]}×{im.size[1]}  {os.path.getsize(os.path.join(OUT, f)) // 1024} KB')
