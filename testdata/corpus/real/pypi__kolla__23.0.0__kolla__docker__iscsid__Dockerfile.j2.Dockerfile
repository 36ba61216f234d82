FROM {{ namespace }}/{{ image_prefix }}base:{{ tag }}
{% block labels %}
LABEL maintainer="{{ maintainer }}" name="{{ image_name }}"
{% endblock %}

{% block iscsid_header %}{% endblock %}

{% import "macros.j2" as macros with context %}

{{ macros.kolla_enable_base_repos() }}

{% if base_package_type == 'rpm' %}
    {% set iscsid_packages = [
        'iscsi-initiator-utils',
        'python3-rtslib',
        'targetcli'
    ] %}

{% elif base_package_type == 'deb' %}
    {% set iscsid_packages = [
        'open-iscsi',
        'python3-rtslib-fb',
        'targetcli-fb'
    ] %}

{% endif %}

{{ macros.install_packages(iscsid_packages | customizable("packages"))  }}

COPY extend_start.sh /usr/local/bin/kolla_extend_start
# NOTE(hrw): Rocky Linux lacks initiatorname.iscsi file
RUN chmod 644 /usr/local/bin/kolla_extend_start \
    && rm -f /etc/iscsi/initiatorname.iscsi

{{ macros.kolla_patch_sources() }}

{% block iscsid_footer %}{% endblock %}
{% block footer %}{% endblock %}
{{ macros.kolla_cleanup_repos() }}
