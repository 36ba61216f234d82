FROM {{ namespace }}/{{ image_prefix }}openstack-base:{{ tag }}
{% block labels %}
LABEL maintainer="{{ maintainer }}" name="{{ image_name }}"
{% endblock %}

{% block glance_base_header %}{% endblock %}

{% import "macros.j2" as macros with context %}

{{ macros.kolla_enable_base_repos() }}

{{ macros.configure_user(name='glance') }}

{% if base_package_type == 'rpm' %}

{{ macros.enable_extra_repos(['ceph', 'crb', 'epel']) }}

    {% set glance_base_packages = [
        'python3-rados',
        'python3-rbd'
    ] %}
{% elif base_package_type == 'deb' %}
    {% set glance_base_packages = [
        'python3-rados',
        'python3-rbd'
    ] %}
{% endif %}

{{ macros.install_packages(glance_base_packages | customizable("packages")) }}

ADD glance-base-archive /glance-base-source

{% set glance_base_pip_packages = [
    '/glance',
    'glance_store[cinder,vmware,swift,s3]'
] %}

# add missing rootwrap config present in glance_store repo
COPY etc/glance /etc/glance
COPY glance_sudoers /etc/sudoers.d/kolla_glance_sudoers
COPY extend_start.sh /usr/local/bin/kolla_extend_start

RUN ln -s glance-base-source/* glance \
    && {{ macros.install_pip(glance_base_pip_packages | customizable("pip_packages")) }} \
    && mkdir -p /etc/glance \
    && cp -r /glance/etc/* /etc/glance/ \
    && cp /var/lib/kolla/venv/etc/pycadf/glance_api_audit_map.conf /etc/glance/ \
    && sed -i 's|^exec_dirs.*|exec_dirs=/var/lib/kolla/venv/bin,/sbin,/usr/sbin,/bin,/usr/bin,/usr/local/bin,/usr/local/sbin|g' /etc/glance/rootwrap.conf \
    && chmod 750 /etc/sudoers.d \
    && chmod 440 /etc/sudoers.d/kolla_glance_sudoers \
    && touch /usr/local/bin/kolla_glance_extend_start \
    && chmod 644 /usr/local/bin/kolla_extend_start /usr/local/bin/kolla_glance_extend_start

{{ macros.kolla_patch_sources() }}

{% block glance_base_footer %}{% endblock %}
{{ macros.kolla_cleanup_repos() }}
