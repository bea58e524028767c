"""Payment providers behind one port: WeChat Pay API v3, Alipay, and the rule that applies notices once."""
