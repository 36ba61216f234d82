FROM {{ namespace }}/{{ image_prefix }}openstack-base:{{ tag }}
{% block labels %}
LABEL maintainer="{{ maintainer }}" name="{{ image_name }}"
{% endblock %}

{% block ceilometer_base_header %}{% endblock %}

{% import "macros.j2" as macros with context %}

{{ macros.kolla_enable_base_repos() }}

{{ macros.configure_user(name='ceilometer') }}

{% set ceilometer_base_pip_packages = [
    '/ceilometer'
] %}

{% set ceilometer_base_plugins_pip_packages = [
    '/plugins/*'
] %}

ADD ceilometer-base-archive /ceilometer-base-source
ADD plugins-archive /

COPY ceilometer_sudoers /etc/sudoers.d/kolla_ceilometer_sudoers
COPY extend_start.sh /usr/local/bin/kolla_extend_start

# NOTE(egonzalez): Remove ceilometer from constraint or will fail.
RUN ln -s ceilometer-base-source/* ceilometer \
    && {{ macros.upper_constraints_remove("ceilometer") }} \
    && {{ macros.install_pip(ceilometer_base_pip_packages | customizable("pip_packages")) }} \
    && mkdir -p /etc/ceilometer \
    && cp -r /ceilometer/etc/ceilometer/* /etc/ceilometer/ \
    && sed -i 's|^exec_dirs.*|exec_dirs=/var/lib/kolla/venv/bin,/sbin,/usr/sbin,/bin,/usr/bin,/usr/local/bin,/usr/local/sbin|g' /etc/ceilometer/rootwrap.conf \
    && if [ "$(ls /plugins)" ]; then \
        {{ macros.install_pip(ceilometer_base_plugins_pip_packages) }}; \
    fi \
    && chmod 750 /etc/sudoers.d \
    && chmod 440 /etc/sudoers.d/kolla_ceilometer_sudoers \
    && touch /usr/local/bin/kolla_ceilometer_extend_start \
    && chmod 644 /usr/local/bin/kolla_extend_start /usr/local/bin/kolla_ceilometer_extend_start

{{ macros.kolla_patch_sources() }}

{% block ceilometer_base_footer %}{% endblock %}
{{ macros.kolla_cleanup_repos() }}
