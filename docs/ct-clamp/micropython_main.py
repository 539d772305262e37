"""MicroPython on an ESP32: SCT-013-030 clamps on an ADS1115, posting to Energy Hub.

Needs the `ads1x15` driver (github.com/robert-hh/ads1x15) and `urequests`.
Fill in the Wi-Fi credentials and the webhook URL, copy it to the board as main.py.
"""

import json
import math
import time

from ads1x15 import ADS1115
import machine
import network
import ntptime
import urequests

WIFI_SSID = "your-ssid"
WIFI_PASSWORD = ""  # your Wi-Fi password
# Paste the URL Energy Hub showed when you added the CT clamps entry.
WEBHOOK_URL = "http://homeassistant.local:8123/api/webhook/PASTE-YOUR-ID-HERE"
CHANNELS = {"line_A": 0, "line_B": 1}  # channel id -> ADS1115 input
VOLTS_PER_AMP = 1.0 / 30.0  # SCT-013-030: 1 V RMS at 30 A
SAMPLES = 400
PERIOD_S = 60
UNIX_EPOCH_OFFSET = 946684800  # MicroPython's epoch is 2000-01-01

wlan = network.WLAN(network.STA_IF)
wlan.active(True)
wlan.connect(WIFI_SSID, WIFI_PASSWORD)
while not wlan.isconnected():
    time.sleep(1)
ntptime.settime()

i2c = machine.I2C(0, scl=machine.Pin(22), sda=machine.Pin(21), freq=400000)
adc = ADS1115(i2c, address=0x48, gain=2)  # ±2.048 V
started = time.time()


def rms_volts(channel):
    """RMS voltage across the clamp's burden resistor on one ADS1115 input."""
    # The clamp's burden resistor is biased at mid-rail: remove the mean, then RMS.
    readings = [
        adc.raw_to_v(adc.read(rate=7, channel1=channel)) for _ in range(SAMPLES)
    ]
    mean = sum(readings) / len(readings)
    return math.sqrt(sum((value - mean) ** 2 for value in readings) / len(readings))


while True:
    channels = {}
    for name, channel in CHANNELS.items():
        volts = rms_volts(channel)
        channels[name] = {
            "current_amps": round(volts / VOLTS_PER_AMP, 3),
            "voltage_mv": round(volts * 1000, 1),
        }
    total = sum(reading["current_amps"] for reading in channels.values())
    body = {
        "timestamp": time.time() + UNIX_EPOCH_OFFSET,
        "channels": channels,
        "total_amps": round(total, 3),
        "estimated_power_watts": round(total * 240 * 0.95),
        "method": "ct_clamp",
        "wifi_rssi": wlan.status("rssi"),
        "uptime_s": time.time() - started,
    }
    try:
        response = urequests.post(
            WEBHOOK_URL,
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        if response.status_code != 200:
            print("Energy Hub refused the post:", response.text)
        response.close()
    except OSError as err:
        print("post failed:", err)
    time.sleep(PERIOD_S)
