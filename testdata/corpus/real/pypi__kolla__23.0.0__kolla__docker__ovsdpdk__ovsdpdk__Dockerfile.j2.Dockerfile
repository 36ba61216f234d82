FROM {{ namespace }}/{{ image_prefix }}base:{{ tag }}
{% block labels %}
LABEL maintainer="{{ maintainer }}" name="{{ image_name }}"
{% endblock %}

{% import "macros.j2" as macros with context %}

{{ macros.kolla_enable_base_repos() }}
{% block ovsdpdk_header %}{% endblock %}

{% block ovsdpdk_install %}

{% if base_package_type == 'rpm' %}

#TODO(sean-k-mooney) create repo via open suse build system to package
# for rocky distro.

RUN echo 'image not yet available for {{ base_distro }}' \
    && /bin/false

{% elif base_package_type == 'deb' %}

{% set ovs_dpdk_packages = [
    'crudini',
    'libdpdk-dev',
    'openvswitch-switch-dpdk'
] %}

{{ macros.install_packages(ovs_dpdk_packages | customizable("packages")) }}

RUN update-alternatives --set ovs-vswitchd /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk

{% endif %}

{% endblock %}

COPY extend_start.sh /usr/local/bin/kolla_extend_start
RUN chmod 644 /usr/local/bin/kolla_extend_start

{{ macros.kolla_patch_sources() }}

{% block ovsdpdk_footer %}{% endblock %}
{{ macros.kolla_cleanup_repos() }}
