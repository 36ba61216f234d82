mkdir -p /etc/d/sub /opt && echo hi > /etc/d/x && echo deep > /etc/d/sub/z && echo keep > /opt/a && echo gone > /opt/old
