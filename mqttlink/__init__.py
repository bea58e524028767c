"""The one MQTT transport adapter every Brigade process uses."""

from mqttlink.fake import FakeBroker, FakeMqttLink
from mqttlink.messages import dead_letter, publish_body, subscribe_template
from mqttlink.paho_link import PahoMqttLink
from mqttlink.port import Handler, LinkError, MqttLinkPort, MqttMessage
from mqttlink.settings import MqttSettings

__all__ = [
    "FakeBroker",
    "FakeMqttLink",
    "Handler",
    "LinkError",
    "MqttLinkPort",
    "MqttMessage",
    "MqttSettings",
    "PahoMqttLink",
    "dead_letter",
    "publish_body",
    "subscribe_template",
]
